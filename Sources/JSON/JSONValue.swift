/// A JSON value.
///
/// Numbers are kept exactly (`JSONNumber`), objects keep their members in document order
/// (`JSONObject`). Strings compare by their UTF-8 bytes.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// An integer number.
    public static func int(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }

    /// A floating-point number (written with a fraction or exponent, as Python writes a `float`).
    public static func double(_ value: Double) -> JSONValue { .number(JSONNumber(value)) }

    /// The value of an object's last member named `key` (compared as UTF-8 bytes); nil for a
    /// missing key or when this is not an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    /// The member named `key`, treating JSON `null` like a missing member.
    public func member(_ key: String) -> JSONValue? {
        guard let value = self[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    /// A copy of this object with member `key` set to `value` (replaced in place, or appended);
    /// any other value is returned unchanged.
    public func setting(_ key: String, _ value: JSONValue) -> JSONValue {
        guard case .object(var object) = self else { return self }
        object[key] = value
        return .object(object)
    }

    /// This value with every object, at any depth, reduced to one member per key as Python's
    /// `json.load` builds its dicts (`JSONObject.deduplicated()`: first position, last value).
    public func deduplicatingKeys() -> JSONValue {
        switch self {
        case .array(let items):
            return .array(items.map { $0.deduplicatingKeys() })
        case .object(let object):
            let unique = object.deduplicated()
            return .object(JSONObject(unique.members.map { JSONMember(key: $0.key, value: $0.value.deduplicatingKeys()) }))
        default:
            return self
        }
    }

    /// True for `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The boolean, if this is `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The number, if this is a number.
    public var numberValue: JSONNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    /// The value as an `Int`, if it is a number with an integer value that fits
    /// (`JSONNumber.intValue`: `2` and `2.0` both give 2).
    public var intValue: Int? {
        numberValue?.intValue
    }

    /// The value as a `Double`, if it is a number.
    public var doubleValue: Double? {
        numberValue?.doubleValue
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The object, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// True for an object.
    public var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    /// A short name of the value's JSON type for error messages: `null`, `a boolean`,
    /// `a number`, `a string`, `an array`, `an object`.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Values are equal when they are the same kind with equal contents; strings and keys
    /// compare as UTF-8 bytes, numbers as `JSONNumber` does, objects member by member in order.
    public static func == (left: JSONValue, right: JSONValue) -> Bool {
        switch (left, right) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a.members == b.members
        default: return false
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    /// `null`.
    public init(nilLiteral: ()) { self = .null }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A floating-point number.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object whose members keep the literal's order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
}
