/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// - The document is one value with optional surrounding whitespace (space, tab, LF, CR); no
///   byte-order mark, comments, trailing commas, `NaN`/`Infinity`, single quotes or leading zeros.
/// - Strings must be valid UTF-8 without raw control characters; `\u` escapes must pair
///   surrogates correctly (a lone surrogate is an error, as in serde_json).
/// - Numbers are kept exactly (`JSONNumber`); a number beyond the `Double` range (`1e400`) is
///   an error. Object members keep their order, duplicates included, so a reader can reject
///   them (`JSONObject`).
/// - Nesting depth and document size are bounded (`JSONParseLimits`). The parser keeps its own
///   stack, so deep input never overflows the thread's stack.
///
/// Errors are `JSONParseError` values with the kind and the byte offset of the problem.
public enum JSONParser {
    /// Parses the document held in `bytes`.
    public static func parse(_ bytes: UnsafeRawBufferPointer,
                             limits: JSONParseLimits = .default) throws(JSONParseError) -> JSONValue {
        guard bytes.count <= limits.maxBytes else {
            throw JSONParseError(.tooLarge, offset: limits.maxBytes, limit: limits.maxBytes)
        }
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONParseError(.emptyDocument, offset: 0)
        }
        var reader = JSONReader(bytes: base.assumingMemoryBound(to: UInt8.self), count: bytes.count,
                                maxDepth: limits.maxDepth)
        return try reader.parseDocument()
    }

    /// Parses the document held in `bytes` (an array, `Data`, a slice…).
    public static func parse<Bytes: Collection>(_ bytes: Bytes,
                                                limits: JSONParseLimits = .default) throws(JSONParseError) -> JSONValue
        where Bytes.Element == UInt8 {
        func run(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
            do throws(JSONParseError) {
                return .success(try parse(UnsafeRawBufferPointer(buffer), limits: limits))
            } catch {
                return .failure(error)
            }
        }
        if let result = bytes.withContiguousStorageIfAvailable(run) {
            return try result.get()
        }
        return try Array(bytes).withUnsafeBufferPointer(run).get()
    }
}
