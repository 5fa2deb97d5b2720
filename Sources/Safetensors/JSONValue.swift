/// A parsed JSON value that keeps object member order and number literals exactly as written.
indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    /// Members in document order; duplicates are kept so callers can reject them.
    case object([JSONMember])

    /// A short name of the value's JSON type, for error messages.
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// One `"key": value` member of a JSON object.
struct JSONMember: Equatable, Sendable {
    let key: String
    let value: JSONValue
}

/// A JSON number literal.
struct JSONNumber: Equatable, Sendable {
    /// The literal as it appeared in the document.
    let literal: String
    /// True when the literal has no fraction and no exponent.
    let isInteger: Bool

    /// The value as an `Int` when the literal is an integer that fits; nil otherwise.
    var intValue: Int? {
        guard isInteger else { return nil }
        return Int(literal)
    }
}
