import JSON

/// An error reading or interpreting a `tokenizer.json` file.
///
/// The description is always a single line naming what went wrong, for example
/// `tokenizer.json: unsupported pre_tokenizer type 'BertPreTokenizer' (supported: ByteLevel, Split, Digits, Metaspace, Sequence)`.
public struct TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The one-line message.
    public let message: String

    /// Creates an error with a one-line message (newlines are replaced by spaces).
    public init(_ message: String) {
        self.message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    public var description: String { message }

    /// A component whose `type` this library does not implement.
    static func unsupported(_ component: String, type: String, supported: [String]) -> TokenizerError {
        TokenizerError("tokenizer.json: unsupported \(component) type '\(type)' (supported: \(supported.joined(separator: ", ")))")
    }

    /// A structurally invalid file or field.
    static func malformed(_ what: String) -> TokenizerError {
        TokenizerError("tokenizer.json: \(what)")
    }

    /// `invalid JSON at line L, column C: reason` for a parse error in `bytes`.
    static func invalidJSON(_ error: JSONParseError, in bytes: UnsafeRawBufferPointer) -> String {
        let (line, column) = error.location(in: bytes)
        return "invalid JSON at line \(line), column \(column): \(error.reason)"
    }
}
