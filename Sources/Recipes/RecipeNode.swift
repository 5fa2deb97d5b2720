import Yams

/// A YAML node together with its key path, with strictly typed reads whose errors name the path.
///
/// Scalars are typed by their resolved YAML tag, as PyYAML would type them: `4` is an integer,
/// `"4"` a string, `true`/`False`/`yes` booleans, `~`/`null`/empty values null.
struct RecipeNode {
    let node: Node
    /// Dotted key path from the document root, with `[i]` for list items (`spec.process[0].type`).
    let path: String

    init(_ node: Node, path: String) {
        self.node = node
        self.path = path
    }

    /// The path of a key inside this node.
    func childPath(_ key: String) -> String {
        path.isEmpty ? key : path + "." + key
    }

    /// Whether the node is a YAML null (`~`, `null`, or an empty value).
    var isNull: Bool {
        if case .scalar = node { return node.tagName == .null }
        return false
    }

    /// How the node reads in a message: `'four'`, `null`, `a mapping`, `a list`.
    var shown: String {
        switch node {
        case .scalar(let scalar): return isNull ? "null" : "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    private func scalar(tagged names: Set<Tag.Name>) -> Node.Scalar? {
        guard case .scalar(let scalar) = node, names.contains(node.tagName) else { return nil }
        return scalar
    }

    /// A string (a plain or quoted YAML string, not a number, boolean or null).
    func string() throws -> String {
        guard let scalar = scalar(tagged: [.str]) else {
            throw RecipeError.type(path, expected: "a string", got: shown)
        }
        return scalar.string
    }

    /// An integer.
    func int() throws -> Int {
        guard let scalar = scalar(tagged: [.int]), let value = Int.construct(from: scalar) else {
            throw RecipeError.type(path, expected: "an integer", got: shown)
        }
        return value
    }

    /// A boolean (`true`/`false`, also PyYAML's `True`, `yes`, `off`, …).
    func bool() throws -> Bool {
        guard let scalar = scalar(tagged: [.bool]), let value = Bool.construct(from: scalar) else {
            throw RecipeError.type(path, expected: "a boolean (true or false)", got: shown)
        }
        return value
    }

    /// A number (integer or float).
    func number() throws -> Double {
        if let scalar = scalar(tagged: [.int]), let value = Int.construct(from: scalar) { return Double(value) }
        if let scalar = scalar(tagged: [.float]), let value = Double.construct(from: scalar) { return value }
        throw RecipeError.type(path, expected: "a number", got: shown)
    }

    /// A string from a fixed set, matched exactly or ignoring case; returns the allowed spelling.
    func choice(_ allowed: [String], ignoringCase: Bool = false) throws -> String {
        let value = try string()
        let match = allowed.first { ignoringCase ? $0.lowercased() == value.lowercased() : $0 == value }
        guard let match else { throw RecipeError.badValue(path, value, allowed: allowed) }
        return match
    }

    /// The items of a list.
    func items() throws -> [RecipeNode] {
        guard case .sequence(let sequence) = node else {
            throw RecipeError.type(path, expected: "a list", got: shown)
        }
        return sequence.enumerated().map { RecipeNode($1, path: "\(path)[\($0)]") }
    }

    /// A list of strings.
    func strings() throws -> [String] {
        try items().map { try $0.string() }
    }

    /// A mapping whose keys must all be among `allowed` (nil = any key).
    func mapping(allowed: [String]? = nil) throws -> RecipeMapping {
        guard case .mapping(let mapping) = node else {
            throw RecipeError.type(path, expected: "a mapping", got: shown)
        }
        let entries = try RecipeMapping.entries(of: mapping, path: path)
        if let allowed {
            for entry in entries where !allowed.contains(entry.key) {
                throw RecipeError.unknownKey(childPath(entry.key), expected: allowed)
            }
        }
        return RecipeMapping(path: path, entries: entries)
    }
}

/// The entries of a YAML mapping in document order (merge keys `<<` expanded), looked up by key.
struct RecipeMapping {
    let path: String
    let entries: [(key: String, value: RecipeNode)]

    /// The value at `key`, or nil when absent.
    subscript(key: String) -> RecipeNode? {
        entries.first { $0.key == key }?.value
    }

    /// The value at `key`, or nil when absent or null (for settings whose null means "unset").
    func optional(_ key: String) -> RecipeNode? {
        guard let value = self[key], !value.isNull else { return nil }
        return value
    }

    /// The value at `key`; absent is an error (null is returned for the caller to type-check).
    func required(_ key: String) throws -> RecipeNode {
        guard let value = self[key] else {
            throw RecipeError.missingKey(path.isEmpty ? key : path + "." + key)
        }
        return value
    }

    /// Flattens a Yams mapping: string keys only, `<<` merges inserted where they stand,
    /// keys given explicitly winning over merged ones.
    static func entries(of mapping: Node.Mapping, path: String) throws -> [(key: String, value: RecipeNode)] {
        let owner = RecipeNode(.mapping(mapping), path: path)
        var explicit: Set<String> = []
        for (key, _) in mapping where key.tagName != .merge {
            explicit.insert(try keyString(key, owner: owner))
        }
        var result: [(key: String, value: RecipeNode)] = []
        var seen: Set<String> = []
        for (key, value) in mapping {
            if key.tagName == .merge {
                for merged in try mergeSources(value, owner: owner) {
                    for entry in try entries(of: merged, path: path)
                    where !explicit.contains(entry.key) && !seen.contains(entry.key) {
                        seen.insert(entry.key)
                        result.append(entry)
                    }
                }
            } else {
                let name = try keyString(key, owner: owner)
                seen.insert(name)
                result.append((name, RecipeNode(value, path: owner.childPath(name))))
            }
        }
        return result
    }

    private static func keyString(_ key: Node, owner: RecipeNode) throws -> String {
        guard case .scalar(let scalar) = key, key.tagName != .null else {
            throw RecipeError("\(RecipeError.quoted(owner.path)) has a key that is not a name: \(RecipeNode(key, path: owner.path).shown)")
        }
        return scalar.string
    }

    private static func mergeSources(_ value: Node, owner: RecipeNode) throws -> [Node.Mapping] {
        switch value {
        case .mapping(let mapping):
            return [mapping]
        case .sequence(let sequence):
            return try sequence.map { item in
                guard case .mapping(let mapping) = item else {
                    throw RecipeError.type(owner.childPath("<<"), expected: "a mapping or a list of mappings", got: "a list item \(RecipeNode(item, path: owner.path).shown)")
                }
                return mapping
            }
        default:
            throw RecipeError.type(owner.childPath("<<"), expected: "a mapping or a list of mappings", got: RecipeNode(value, path: owner.path).shown)
        }
    }
}

extension Node {
    /// The resolved YAML tag name (`tag:yaml.org,2002:int`, …).
    var tagName: Tag.Name { Tag.Name(rawValue: tag.description) }
}

extension RecipeNode {
    /// Whether the node is a YAML boolean scalar.
    var isBool: Bool {
        if case .scalar = node { return node.tagName == .bool }
        return false
    }
}
