/// One `"key": value` member of a JSON object.
public struct JSONMember: Sendable, Equatable {
    /// The key, exactly as written (escapes decoded).
    public var key: String
    /// The value.
    public var value: JSONValue

    /// A member.
    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }

    /// Members are equal when their keys have the same UTF-8 bytes and their values are equal.
    public static func == (left: JSONMember, right: JSONMember) -> Bool {
        left.key.utf8.elementsEqual(right.key.utf8) && left.value == right.value
    }
}
