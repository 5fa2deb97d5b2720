/// A JSON object: its members in document order, with lookup by key.
///
/// Order is kept because Python writers and tokenizer.json depend on it. Keys are compared as
/// UTF-8 bytes, so keys that are canonically equivalent but distinct byte strings (a real case
/// in vocabularies) stay distinct. Duplicate keys are kept as they appear, so a reader can
/// reject them; lookup answers with the last member of a key, as Python's `json.load` and
/// Foundation do.
public struct JSONObject: Sendable, Equatable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    /// The members in order.
    public var members: [JSONMember]

    /// An object with `members` in the given order.
    public init(_ members: [JSONMember] = []) {
        self.members = members
    }

    /// An object with the given key/value pairs in order.
    public init(_ pairs: [(key: String, value: JSONValue)]) {
        members = pairs.map { JSONMember(key: $0.key, value: $0.value) }
    }

    /// An object with the members of `dictionary`, in the UTF-8 byte order of their keys (a
    /// dictionary has no order of its own).
    public init(_ dictionary: [String: JSONValue]) {
        members = dictionary.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            .map { JSONMember(key: $0.key, value: $0.value) }
    }

    /// An object literal; members keep the literal's order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { JSONMember(key: $0.0, value: $0.1) }
    }

    /// The position of the first member.
    public var startIndex: Int { members.startIndex }
    /// The position past the last member.
    public var endIndex: Int { members.endIndex }
    /// The member at `position`.
    public subscript(position: Int) -> JSONMember { members[position] }

    /// The index of the last member named `key`.
    public func lastIndex(ofKey key: String) -> Int? {
        members.lastIndex { $0.key.utf8.elementsEqual(key.utf8) }
    }

    /// The value of the last member named `key` (nil if there is none). Setting a value replaces
    /// the last member of that key in place, or appends a member; setting nil removes every
    /// member of that key.
    public subscript(key: String) -> JSONValue? {
        get {
            lastIndex(ofKey: key).map { members[$0].value }
        }
        set {
            guard let newValue else {
                members.removeAll { $0.key.utf8.elementsEqual(key.utf8) }
                return
            }
            if let index = lastIndex(ofKey: key) {
                members[index].value = newValue
            } else {
                members.append(JSONMember(key: key, value: newValue))
            }
        }
    }

    /// Whether a member is named `key`.
    public func containsKey(_ key: String) -> Bool {
        lastIndex(ofKey: key) != nil
    }

    /// The keys in order (duplicates included).
    public var keys: [String] { members.map(\.key) }

    /// Appends a member (even if the key is already present).
    public mutating func append(key: String, value: JSONValue) {
        members.append(JSONMember(key: key, value: value))
    }

    /// One member per key, as Python's `dict` keeps them: each key at the position of its first
    /// occurrence, with the value of its last.
    public func deduplicated() -> JSONObject {
        var position: [UTF8Key: Int] = [:]
        var result: [JSONMember] = []
        result.reserveCapacity(members.count)
        for member in members {
            let key = UTF8Key(member.key)
            if let index = position[key] {
                result[index].value = member.value
            } else {
                position[key] = result.count
                result.append(member)
            }
        }
        return JSONObject(result)
    }
}
