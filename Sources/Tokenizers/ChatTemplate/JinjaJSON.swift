import JSON

/// Python's `json.dumps` for template values, which transformers' `tojson` filter calls as
/// `json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)`: the value
/// becomes a `JSONValue` written in `JSONLayout.python`.
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
        let json = try Self.value(value, level: 0, sortKeys: sortKeys)
        let layout = JSONLayout.python(indentString: indentUnit, separators: (item: itemSeparator, key: keySeparator),
                                       sortKeys: sortKeys, ensureASCII: ensureASCII)
        return JSONWriter.string(json, layout: layout)
    }

    /// The JSON value of a template value, failing as Python's encoder does: values it cannot
    /// encode, dict keys it cannot convert, nesting beyond Python's recursion limit. With
    /// `sortKeys`, members are visited in sorted order, as Python encodes them.
    private static func value(_ value: JinjaValue, level: Int, sortKeys: Bool) throws -> JSONValue {
        guard level < 500 else { throw JinjaRuntimeError("RecursionError: tojson nesting too deep") }
        switch value {
        case .none: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .list(let items), .tuple(let items):
            return .array(try items.map { try Self.value($0, level: level + 1, sortKeys: sortKeys) })
        case .dict(let d):
            var members: [(key: String, value: JinjaValue)] = []
            for entry in d.entries {
                let key: String
                switch entry.key {
                case .string(let s): key = s
                case .double(let x): key = JSONFloatFormat.python.text(x)
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
            return .object(JSONObject(try members.map { (key: $0.key, value: try Self.value($0.value, level: level + 1, sortKeys: sortKeys)) }))
        default:
            throw JinjaRuntimeError("TypeError: Object of type \(value.typeName) is not JSON serializable")
        }
    }
}
