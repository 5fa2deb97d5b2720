/// Why a JSON document could not be parsed, with the byte offset of the problem.
///
/// `description` is one line, e.g. `unexpected character 'x' at byte 12`; `reason` is the fixed
/// text of the kind (`unexpected character`), for messages that give the position another way
/// (`location(in:)` turns the offset into a line and column).
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: Sendable, Equatable, CaseIterable {
        /// The document is empty or only whitespace.
        case emptyDocument
        /// The document ends inside a value.
        case unexpectedEndOfInput
        /// A byte that cannot start a value here.
        case unexpectedCharacter
        /// `t`, `f` or `n` not followed by the rest of `true`, `false` or `null`.
        case invalidLiteral
        /// A number without digits where it needs them (after `-`).
        case invalidNumber
        /// A number with `.` not followed by a digit.
        case invalidNumberFraction
        /// A number with `e` (and sign) not followed by a digit.
        case invalidNumberExponent
        /// A number whose magnitude is beyond the `Double` range (as serde_json and Foundation
        /// refuse it).
        case numberOutOfRange
        /// An object member that does not start with a string key.
        case expectedKey
        /// An object key not followed by `:`.
        case expectedColon
        /// An object member not followed by `,` or `}`.
        case expectedCommaOrBrace
        /// An array element not followed by `,` or `]`.
        case expectedCommaOrBracket
        /// The document ends inside an object.
        case unterminatedObject
        /// The document ends inside an array.
        case unterminatedArray
        /// The document ends inside a string.
        case unterminatedString
        /// A raw control character (below U+0020) inside a string.
        case controlCharacterInString
        /// A backslash followed by something other than `" \ / b f n r t u`.
        case invalidEscape
        /// `\u` not followed by four hex digits.
        case invalidUnicodeEscape
        /// A `\u` high surrogate not followed by a `\u` escape.
        case loneLeadingSurrogate
        /// A `\u` high surrogate followed by a `\u` escape that is not a low surrogate.
        case invalidTrailingSurrogate
        /// A `\u` low surrogate without a high surrogate before it.
        case loneTrailingSurrogate
        /// A string whose bytes are not valid UTF-8.
        case invalidUTF8
        /// Non-whitespace after the document's value.
        case trailingCharacters
        /// Arrays and objects nested deeper than `JSONParseLimits.maxDepth`.
        case tooDeep
        /// A document longer than `JSONParseLimits.maxBytes`.
        case tooLarge
    }

    /// What is wrong.
    public let kind: Kind
    /// The offset, in bytes from the start of the document, of the byte at fault.
    public let offset: Int
    /// The byte at fault, for `unexpectedCharacter`, `controlCharacterInString` and
    /// `invalidEscape`.
    public let byte: UInt8?
    /// The limit that was exceeded, for `tooDeep` and `tooLarge`.
    public let limit: Int?

    /// An error of `kind` at `offset`.
    public init(_ kind: Kind, offset: Int, byte: UInt8? = nil, limit: Int? = nil) {
        self.kind = kind
        self.offset = offset
        self.byte = byte
        self.limit = limit
    }

    /// The fixed text of the kind, e.g. `unexpected character`.
    public var reason: String {
        switch kind {
        case .emptyDocument: return "the document is empty"
        case .unexpectedEndOfInput: return "unexpected end of input"
        case .unexpectedCharacter: return "unexpected character"
        case .invalidLiteral: return "invalid literal"
        case .invalidNumber: return "invalid number"
        case .invalidNumberFraction: return "invalid number fraction"
        case .invalidNumberExponent: return "invalid number exponent"
        case .numberOutOfRange: return "number out of range"
        case .expectedKey: return "expected a string key in object"
        case .expectedColon: return "expected ':' after object key"
        case .expectedCommaOrBrace: return "expected ',' or '}' in object"
        case .expectedCommaOrBracket: return "expected ',' or ']' in array"
        case .unterminatedObject: return "unterminated object"
        case .unterminatedArray: return "unterminated array"
        case .unterminatedString: return "unterminated string"
        case .controlCharacterInString: return "raw control character in string"
        case .invalidEscape: return "invalid escape"
        case .invalidUnicodeEscape: return "invalid \\u escape"
        case .loneLeadingSurrogate: return "lone leading surrogate in \\u escape"
        case .invalidTrailingSurrogate: return "invalid trailing surrogate in \\u escape"
        case .loneTrailingSurrogate: return "lone trailing surrogate in \\u escape"
        case .invalidUTF8: return "invalid UTF-8 in string"
        case .trailingCharacters: return "unexpected trailing characters after the JSON value"
        case .tooDeep: return limit.map { "nesting deeper than \($0) levels" } ?? "nesting too deep"
        case .tooLarge: return limit.map { "document larger than \($0) bytes" } ?? "document too large"
        }
    }

    /// The reason with the byte at fault, e.g. `unexpected character 'x'`,
    /// `raw control character 0xA in string`, `invalid escape \'q'`.
    public var detail: String {
        guard let byte else { return reason }
        switch kind {
        case .unexpectedCharacter: return "unexpected character \(Self.describe(byte))"
        case .controlCharacterInString: return "raw control character \(Self.describe(byte)) in string"
        case .invalidEscape: return "invalid escape \\\(Self.describe(byte))"
        default: return reason
        }
    }

    /// One line: the detail and the offset, e.g. `unexpected character 'x' at byte 12`.
    public var description: String {
        "\(detail) at byte \(offset)"
    }

    /// The 1-based line and column of the offset in `bytes` (the document that was parsed):
    /// lines end at LF, columns count Unicode scalars.
    public func location(in bytes: UnsafeRawBufferPointer) -> (line: Int, column: Int) {
        var line = 1, column = 1
        var i = 0
        let end = min(offset, bytes.count)
        while i < end {
            let byte = bytes[i]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return (line, column)
    }

    /// The 1-based line and column of the offset in `bytes` (see the other overload).
    public func location(in bytes: [UInt8]) -> (line: Int, column: Int) {
        bytes.withUnsafeBytes { location(in: $0) }
    }

    /// `'x'` for printable ASCII, `0xNN` otherwise.
    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'" + String(UnicodeScalar(byte)) + "'" }
        return "0x" + String(byte, radix: 16, uppercase: true)
    }
}
