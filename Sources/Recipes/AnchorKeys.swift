import Yams

/// Top-level "anchor holder" keys: real recipes define shared settings under a helper key
/// (`default_w8a8: &default_w8a8 {…}`) and use them with `*default_w8a8`. Both peers ignore
/// unknown top-level keys; SwiftQuant accepts such a key when its value carries an anchor (used
/// or not: an unused anchor changes nothing) or is used elsewhere, and refuses any other.
enum AnchorKeys {
    /// Whether the top-level `key` of the recipe `text` defines an anchor (`key: &name …`). Read
    /// from the text: Yams keeps a node's anchor only weakly, so it is gone after composing.
    static func definesAnchor(key: String, text: String) -> Bool {
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix(key) {
            var rest = line.dropFirst(key.count)
            if rest.first == "\"" || rest.first == "'" { rest = rest.dropFirst() }
            guard rest.first == ":" else { continue }
            if rest.dropFirst().drop(while: { $0 == " " || $0 == "\t" }).first == "&" { return true }
        }
        return false
    }

    /// Whether a top-level key that is not part of the schema only holds shared settings.
    static func isAnchorHolder(key: String, value: Node, within roots: [Node], text: String) -> Bool {
        definesAnchor(key: key, text: text) || isAliased(value, within: roots)
    }

    /// Whether `value` (a mapping or list) occurs, as an alias would place it, inside `roots`.
    static func isAliased(_ value: Node, within roots: [Node]) -> Bool {
        switch value {
        case .mapping, .sequence: break
        default: return false
        }
        var pending = roots
        while let node = pending.popLast() {
            if node == value { return true }
            switch node {
            case .mapping(let mapping):
                for (key, child) in mapping {
                    pending.append(key)
                    pending.append(child)
                }
            case .sequence(let sequence):
                pending.append(contentsOf: sequence)
            default:
                break
            }
        }
        return false
    }
}
