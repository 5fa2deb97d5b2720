/// Python's `json.dumps` for template values, which transformers' `tojson` filter calls as
/// `json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)`.
enum JinjaJSON {
    /// - Parameters:
    ///   - indent: nil or `none` for one line; an int (spaces) or a string per level otherwise.
    ///   - separators: nil for Python's defaults, else a 2-item tuple or list of strings.
    static func dumps(_ value: JinjaValue, ensureASCII: Bool, indent: JinjaValue?, separators: JinjaValue?, sortKeys: Bool) throws -> String {
        var indentUnit: String?
        switch indent {
        case nil, .none?: indentUnit = nil
        case .string(let s)?: indentUnit = s
        case let v?:
            guard let n = v.intValue else { throw JinjaRuntimeError("TypeError: tojson indent must be an int or a string") }
            indentUnit = String(repeating: " ", count: max(n, 0))
        }
        var itemSeparator = indentUnit == nil ? ", " : ","
        var keySeparator = ": "
        switch separators {
        case nil, .none?: break
        case .tuple(let parts)?, .list(let parts)?:
            guard parts.count == 2, case .string(let a) = parts[0], case .string(let b) = parts[1] else {
                throw JinjaRuntimeError("ValueError: tojson separators must be two strings")
            }
            itemSeparator = a
            keySeparator = b
        default:
            throw JinjaRuntimeError("ValueError: tojson separators must be two strings")
        }
        var encoder = Encoder(ensureASCII: ensureASCII, indent: indentUnit, itemSeparator: itemSeparator,
                              keySeparator: keySeparator, sortKeys: sortKeys)
        try encoder.encode(value, level: 0)
        return encoder.out
    }

    private struct Encoder {
        let ensureASCII: Bool
        let indent: String?
        let itemSeparator: String
        let keySeparator: String
        let sortKeys: Bool
        var out = ""

        mutating func newline(_ level: Int) {
            guard let indent else { return }
            out += "\n" + String(repeating: indent, count: level)
        }

        mutating func encode(_ value: JinjaValue, level: Int) throws {
            guard level < 500 else { throw JinjaRuntimeError("RecursionError: tojson nesting too deep") }
            switch value {
            case .none: out += "null"
            case .bool(let b): out += b ? "true" : "false"
            case .int(let i): out += String(i)
            case .double(let d): out += Self.float(d)
            case .string(let s): encodeString(s)
            case .list(let items), .tuple(let items):
                if items.isEmpty { out += "[]"; return }
                out += "["
                for (i, item) in items.enumerated() {
                    if i > 0 { out += itemSeparator }
                    newline(level + 1)
                    try encode(item, level: level + 1)
                }
                newline(level)
                out += "]"
            case .dict(let d):
                if d.isEmpty { out += "{}"; return }
                var members: [(key: String, value: JinjaValue)] = []
                for entry in d.entries {
                    let key: String
                    switch entry.key {
                    case .string(let s): key = s
                    case .double(let x): key = Self.float(x)
                    case .int(let i): key = String(i)
                    case .bool(let b): key = b ? "true" : "false"
                    case .none: key = "null"
                    default: throw JinjaRuntimeError("TypeError: keys must be str, int, float, bool or None, not \(entry.key.typeName)")
                    }
                    members.append((key, entry.value))
                }
                if sortKeys {
                    members = members.enumerated().sorted { a, b in
                        if PythonText.equal(a.element.key, b.element.key) { return a.offset < b.offset }
                        return PythonText.less(a.element.key, b.element.key)
                    }.map(\.element)
                }
                out += "{"
                for (i, member) in members.enumerated() {
                    if i > 0 { out += itemSeparator }
                    newline(level + 1)
                    encodeString(member.key)
                    out += keySeparator
                    try encode(member.value, level: level + 1)
                }
                newline(level)
                out += "}"
            default:
                throw JinjaRuntimeError("TypeError: Object of type \(value.typeName) is not JSON serializable")
            }
        }

        static func float(_ d: Double) -> String {
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
            return PythonText.floatRepr(d)
        }

        mutating func encodeString(_ s: String) {
            var o = String.UnicodeScalarView()
            o.append("\"")
            func hex(_ v: UInt32) {
                let h = String(v, radix: 16)
                o.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - h.count) + h).unicodeScalars)
            }
            for c in s.unicodeScalars {
                switch c {
                case "\"": o.append(contentsOf: "\\\"".unicodeScalars)
                case "\\": o.append(contentsOf: "\\\\".unicodeScalars)
                case "\n": o.append(contentsOf: "\\n".unicodeScalars)
                case "\r": o.append(contentsOf: "\\r".unicodeScalars)
                case "\t": o.append(contentsOf: "\\t".unicodeScalars)
                case "\u{08}": o.append(contentsOf: "\\b".unicodeScalars)
                case "\u{0C}": o.append(contentsOf: "\\f".unicodeScalars)
                default:
                    if c.value < 0x20 {
                        hex(c.value)
                    } else if ensureASCII && c.value > 0x7E {
                        if c.value >= 0x10000 {
                            let v = c.value - 0x10000
                            hex(0xD800 | (v >> 10))
                            hex(0xDC00 | (v & 0x3FF))
                        } else {
                            hex(c.value)
                        }
                    } else {
                        o.append(c)
                    }
                }
            }
            o.append("\"")
            out += String(o)
        }
    }
}
