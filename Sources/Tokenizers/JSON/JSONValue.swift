/// A parsed JSON value.
///
/// Objects keep their members in file order as key/value pairs, so keys that are distinct
/// byte strings but canonically equivalent `String`s (a real case in vocabularies) stay distinct.
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// The member named `key` of an object (compared as UTF-8 bytes), or `nil`.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for member in members where member.key.utf8.elementsEqual(key.utf8) {
            return member.value
        }
        return nil
    }

    /// A copy of this object with member `key` set to `value` (replaced in place, or appended).
    func setting(_ key: String, _ value: JSONValue) -> JSONValue {
        guard case .object(var members) = self else { return self }
        if let i = members.firstIndex(where: { $0.key.utf8.elementsEqual(key.utf8) }) {
            members[i].value = value
        } else {
            members.append((key: key, value: value))
        }
        return .object(members)
    }

    /// The member named `key`, treating JSON `null` like a missing member.
    func member(_ key: String) -> JSONValue? {
        guard let v = self[key] else { return nil }
        if case .null = v { return nil }
        return v
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The value as an integer, if it is a number with an exact integer value.
    var intValue: Int? {
        guard case .number(let d) = self, d.rounded() == d, abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

    var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    var objectMembers: [(key: String, value: JSONValue)]? {
        if case .object(let m) = self { return m }
        return nil
    }

    var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    /// A short name of the JSON kind, for error messages.
    var kindName: String {
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
