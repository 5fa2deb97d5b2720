import JSON
import Tensors

/// A validated safetensors header.
struct ParsedHeader: Sendable {
    /// Value of the 8-byte length prefix (header JSON length including padding).
    let headerLength: Int
    /// Tensors in data order (sorted by `data_offsets`).
    let tensors: [TensorInfo]
    /// `__metadata__`, nil when absent (or `null`).
    let metadata: [String: String]?
}

/// Parses and validates the header of a safetensors file, following the checks of the
/// reference implementation (huggingface/safetensors `SafeTensors::read_metadata` and
/// `Metadata::validate`):
/// - at least 8 bytes; header length ≤ 100 MB and inside the file; header is UTF-8 JSON object;
/// - `__metadata__` is a string→string map;
/// - every entry has `dtype` (known), `shape` (non-negative integers), `data_offsets` (two
///   non-negative integers, begin ≤ end) with `end − begin == product(shape)·byteSize`;
/// - sorted by offsets, the tensors are contiguous from 0 and cover the data section exactly
///   (no overlap, no hole, no trailing bytes).
/// Stricter than the reference: duplicate keys are rejected instead of silently overwritten.
enum HeaderParser {
    /// The reference implementation's header size limit.
    static let maxHeaderLength = 100_000_000

    /// serde_json's nesting limit (the reference reader's JSON parser) and the header size limit.
    static let jsonLimits = JSONParseLimits(maxDepth: 128, maxBytes: maxHeaderLength)

    /// Validates `file` (the whole file's bytes). `path` is used in error messages.
    static func parse(_ file: UnsafeRawBufferPointer, path: String) throws -> ParsedHeader {
        func fail(_ kind: SafetensorsError.Kind, tensor: String? = nil, _ message: String) -> SafetensorsError {
            SafetensorsError(kind, path: path, tensor: tensor, message)
        }
        guard file.count >= 8 else {
            throw fail(.fileTooSmall, "file is \(file.count) bytes, shorter than the 8-byte header length prefix")
        }
        var prefix: UInt64 = 0
        for i in (0..<8).reversed() { prefix = prefix << 8 | UInt64(file[i]) }
        guard prefix <= UInt64(maxHeaderLength) else {
            throw fail(.headerTooLarge, "header length \(prefix) exceeds the 100000000-byte limit")
        }
        let headerLength = Int(prefix)
        guard 8 + headerLength <= file.count else {
            throw fail(.headerPastEnd, "header length \(headerLength) runs past the end of the \(file.count)-byte file")
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: file[8..<(8 + headerLength)])
        if let bad = UTF8Validation.firstInvalidOffset(headerBytes) {
            throw fail(.invalidUTF8, "header is not valid UTF-8 (byte \(bad) of the header)")
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(headerBytes, limits: jsonLimits)
        } catch {
            throw fail(.invalidJSON, "header is not valid JSON: \(error.description) of the header")
        }
        guard case .object(let members) = root else {
            throw fail(.headerNotObject, "header JSON is \(root.kindName), expected an object")
        }

        let dataSize = file.count - 8 - headerLength
        var metadata: [String: String]?
        var sawMetadata = false
        var seenNames = Set<String>()
        var entries: [(info: TensorInfo, order: Int)] = []
        entries.reserveCapacity(members.count)

        for member in members {
            if member.key == "__metadata__" {
                if sawMetadata { throw fail(.duplicateKey, "\"__metadata__\" appears twice in the header") }
                sawMetadata = true
                metadata = try parseMetadata(member.value, fail: { fail(.invalidMetadata, $0) },
                                             duplicate: { fail(.duplicateKey, $0) })
                continue
            }
            guard seenNames.insert(member.key).inserted else {
                throw fail(.duplicateKey, tensor: member.key, "tensor name appears twice in the header")
            }
            let info = try parseEntry(name: member.key, value: member.value, dataSize: dataSize, fail: { fail($0, tensor: $1, $2) })
            entries.append((info, entries.count))
        }

        entries.sort { left, right in
            let l = left.info.dataOffsets, r = right.info.dataOffsets
            if l.lowerBound != r.lowerBound { return l.lowerBound < r.lowerBound }
            if l.upperBound != r.upperBound { return l.upperBound < r.upperBound }
            return left.order < right.order
        }
        var cursor = 0
        var previous = ""
        for (info, _) in entries {
            let range = info.dataOffsets
            if range.lowerBound < cursor {
                throw fail(.overlappingTensors, tensor: info.name,
                           "data_offsets [\(range.lowerBound), \(range.upperBound)] overlap tensor \"\(OneLine.clip(previous, limit: 200))\" which ends at \(cursor)")
            }
            if range.lowerBound > cursor {
                throw fail(.gapBetweenTensors, tensor: info.name,
                           "data_offsets begin at \(range.lowerBound) but the previous tensor ends at \(cursor); tensors must be contiguous")
            }
            cursor = range.upperBound
            previous = info.name
        }
        guard cursor == dataSize else {
            throw fail(.incompleteCoverage,
                       "tensors cover \(cursor) bytes but the data section holds \(dataSize) bytes; the last offset must be the end of the file")
        }
        return ParsedHeader(headerLength: headerLength, tensors: entries.map(\.info), metadata: metadata)
    }

    private static func parseMetadata(
        _ value: JSONValue,
        fail: (String) -> SafetensorsError,
        duplicate: (String) -> SafetensorsError
    ) throws -> [String: String]? {
        switch value {
        case .null:
            return nil
        case .object(let members):
            var result: [String: String] = [:]
            for member in members {
                guard case .string(let text) = member.value else {
                    throw fail("__metadata__ value for key \"\(OneLine.clip(member.key, limit: 100))\" is \(member.value.kindName), expected a string")
                }
                guard result.updateValue(text, forKey: member.key) == nil else {
                    throw duplicate("__metadata__ key \"\(OneLine.clip(member.key, limit: 100))\" appears twice")
                }
            }
            return result
        default:
            throw fail("__metadata__ is \(value.kindName), expected an object of strings")
        }
    }

    private static func parseEntry(
        name: String,
        value: JSONValue,
        dataSize: Int,
        fail: (SafetensorsError.Kind, String?, String) -> SafetensorsError
    ) throws -> TensorInfo {
        guard case .object(let fields) = value else {
            throw fail(.invalidEntry, name, "entry is \(value.kindName), expected an object with dtype, shape and data_offsets")
        }
        var dtypeValue: JSONValue?, shapeValue: JSONValue?, offsetsValue: JSONValue?
        for field in fields {
            switch field.key {
            case "dtype":
                if dtypeValue != nil { throw fail(.duplicateKey, name, "field \"dtype\" appears twice") }
                dtypeValue = field.value
            case "shape":
                if shapeValue != nil { throw fail(.duplicateKey, name, "field \"shape\" appears twice") }
                shapeValue = field.value
            case "data_offsets":
                if offsetsValue != nil { throw fail(.duplicateKey, name, "field \"data_offsets\" appears twice") }
                offsetsValue = field.value
            default:
                continue  // unknown fields are ignored, as by the reference implementation
            }
        }
        guard let dtypeValue else { throw fail(.missingField, name, "entry has no \"dtype\"") }
        guard let shapeValue else { throw fail(.missingField, name, "entry has no \"shape\"") }
        guard let offsetsValue else { throw fail(.missingField, name, "entry has no \"data_offsets\"") }

        guard case .string(let dtypeName) = dtypeValue else {
            throw fail(.wrongFieldType, name, "\"dtype\" is \(dtypeValue.kindName), expected a string")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            let known = DType.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail(.unknownDType, name, "unknown dtype \"\(OneLine.clip(dtypeName, limit: 40))\" (supported: \(known))")
        }

        guard case .array(let dims) = shapeValue else {
            throw fail(.wrongFieldType, name, "\"shape\" is \(shapeValue.kindName), expected an array of integers")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for (axis, dim) in dims.enumerated() {
            guard case .number(let number) = dim, number.isInteger else {
                throw fail(.wrongFieldType, name, "shape[\(axis)] is \(dim.kindName == "a number" ? "not an integer" : dim.kindName), expected a non-negative integer")
            }
            if number.isNegative {
                throw fail(.negativeDimension, name, "shape[\(axis)] is negative (\(OneLine.clip(number.description, limit: 40)))")
            }
            guard let size = number.intValue else {
                throw fail(.sizeOverflow, name, "shape[\(axis)] = \(OneLine.clip(number.description, limit: 40)) is too large")
            }
            shape.append(size)
        }

        guard case .array(let offsetItems) = offsetsValue, offsetItems.count == 2 else {
            throw fail(.wrongFieldType, name, "\"data_offsets\" must be an array of two non-negative integers")
        }
        var bounds: [Int] = []
        for (position, item) in offsetItems.enumerated() {
            let label = position == 0 ? "begin" : "end"
            guard case .number(let number) = item, number.isInteger else {
                throw fail(.wrongFieldType, name, "data_offsets \(label) is \(item.kindName == "a number" ? "not an integer" : item.kindName), expected a non-negative integer")
            }
            if number.isNegative {
                throw fail(.wrongFieldType, name, "data_offsets \(label) is negative (\(OneLine.clip(number.description, limit: 40)))")
            }
            guard let offset = number.intValue else {
                throw fail(.offsetsPastData, name, "data_offsets \(label) = \(OneLine.clip(number.description, limit: 40)) lies past the \(dataSize)-byte data section")
            }
            bounds.append(offset)
        }
        let begin = bounds[0], end = bounds[1]

        guard let expected = TensorSize.byteCount(shape: shape, dtype: dtype) else {
            throw fail(.sizeOverflow, name, "byte count of shape \(TensorSize.describe(shape)) × \(dtype.rawValue) overflows")
        }
        guard begin <= end else {
            throw fail(.beginAfterEnd, name, "data_offsets begin \(begin) is after end \(end)")
        }
        guard end - begin == expected else {
            throw fail(.byteCountMismatch, name,
                       "shape \(TensorSize.describe(shape)) of \(dtype.rawValue) needs \(expected) bytes but data_offsets [\(begin), \(end)] span \(end - begin)")
        }
        guard end <= dataSize else {
            throw fail(.offsetsPastData, name,
                       "data_offsets [\(begin), \(end)] lie past the end of the \(dataSize)-byte data section")
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }
}
