import Foundation

/// A JSON value written the way Python's `json.dumps(obj, indent=2, sort_keys=True)` writes it.
public indirect enum PythonJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([PythonJSON])
    case object([String: PythonJSON])

    /// Converts a JSONSerialization value, keeping integers and floats apart.
    public init(foundation value: Any) {
        switch value {
        case is NSNull:
            self = .null
        case let number as NSNumber:
            let type = String(cString: number.objCType)
            if type == "c" {
                self = .bool(number.boolValue)
            } else if type == "d" || type == "f" {
                self = .double(number.doubleValue)
            } else {
                self = .int(number.intValue)
            }
        case let text as String:
            self = .string(text)
        case let list as [Any]:
            self = .array(list.map(PythonJSON.init(foundation:)))
        case let dict as [String: Any]:
            self = .object(dict.mapValues(PythonJSON.init(foundation:)))
        default:
            self = .string("\(value)")
        }
    }

    /// Object member lookup.
    public subscript(key: String) -> PythonJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The serialized text (no trailing newline), indent 2, keys sorted, ASCII-only.
    public func serialized(indent: Int = 2) -> String {
        var out = ""
        write(into: &out, level: 0, indent: indent)
        return out
    }

    private func write(into out: inout String, level: Int, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += Self.pythonRepr(d)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                out += (i == 0 ? "\n" : ",\n") + String(repeating: " ", count: (level + 1) * indent)
                item.write(into: &out, level: level + 1, indent: indent)
            }
            out += "\n" + String(repeating: " ", count: level * indent) + "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            // Python sorts str keys by code point.
            let keys = members.keys.sorted { Array($0.unicodeScalars.map(\.value)).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) }
            for (i, key) in keys.enumerated() {
                out += (i == 0 ? "\n" : ",\n") + String(repeating: " ", count: (level + 1) * indent)
                Self.writeString(key, into: &out)
                out += ": "
                members[key]!.write(into: &out, level: level + 1, indent: indent)
            }
            out += "\n" + String(repeating: " ", count: level * indent) + "}"
        }
    }

    /// Python's float repr (shortest round-trip digits; "1e-05", "100000.0", "inf" as Infinity).
    static func pythonRepr(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
        var text = "\(d)"
        if let e = text.firstIndex(of: "e") {
            // Swift writes 1e-05 and 1e+16 like Python; make sure the mantissa has no trailing ".0".
            let mantissa = text[..<e]
            if mantissa.hasSuffix(".0") { text = String(mantissa.dropLast(2)) + text[e...] }
        }
        return text
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value > 0x7E {
                    if scalar.value > 0xFFFF {
                        let v = scalar.value - 0x10000
                        out += String(format: "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
                    } else {
                        out += String(format: "\\u%04x", scalar.value)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
