import Yams

/// Top-level "anchor holder" keys: real recipes define shared settings under a helper key
/// (`default_w8a8: &default_w8a8 {…}`) and use them with `*default_w8a8`. Both peers ignore
/// unknown top-level keys; SwiftQuant accepts such a key only when its value is used elsewhere.
enum AnchorKeys {
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
