/// The filters a template may use (`value | name(args)`), with Jinja 3.1's behaviour, and
/// `tojson` as transformers overrides it (`json.dumps(x, ensure_ascii=False, indent=None,
/// separators=None, sort_keys=False)`: no HTML escaping, keys in dict order).
enum JinjaFilters {
    static let names: Set<String> = [
        "abs", "attr", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
        "format", "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject",
        "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum", "title",
        "tojson", "trim", "unique", "upper", "wordcount",
    ]
}

extension JinjaInterpreter {
    func applyFilter(_ name: String, _ value: JinjaValue, _ args: JinjaArguments) throws -> JinjaValue {
        switch name {
        case "abs":
            switch value {
            case .double(let d): return .double(abs(d))
            default:
                guard let i = value.intValue else { throw JinjaRuntimeError("TypeError: bad operand type for abs(): '\(value.typeName)'") }
                return .int(abs(i))
            }
        case "attr":
            guard case .string(let attribute)? = args.value(0, "name") else { throw JinjaRuntimeError("TypeError: attr() needs an attribute name") }
            return try getAttribute(value, attribute)
        case "capitalize":
            return .string(PythonText.capitalize(value.str))
        case "center":
            let width = args.value(0, "width") ?? .int(80)
            return try JinjaMethods.string(value.str, "center", JinjaArguments(positional: [width]))
        case "count", "length":
            return .int(try value.length())
        case "d", "default":
            try args.check(name, ["default_value", "boolean"])
            let fallback = args.value(0, "default_value") ?? .empty
            let boolean = args.value(1, "boolean")?.isTruthy ?? false
            if value.isUndefined || (boolean && !value.isTruthy) { return fallback }
            return value
        case "dictsort":
            try args.check(name, ["case_sensitive", "by", "reverse"])
            guard case .dict(let d) = value else { throw JinjaRuntimeError("TypeError: dictsort expects a mapping") }
            let caseSensitive = args.value(0, "case_sensitive")?.isTruthy ?? false
            let byValue = args.value(1, "by")?.str == "value"
            let reverse = args.value(2, "reverse")?.isTruthy ?? false
            let pairs = d.entries.map { JinjaValue.tuple([$0.key, $0.value]) }
            return .list(try sorted(pairs, reverse: reverse) { pair in
                guard case .tuple(let kv) = pair else { return pair }
                return caseSensitive ? kv[byValue ? 1 : 0] : Self.ignoreCase(kv[byValue ? 1 : 0])
            })
        case "e", "escape":
            if value.isUndefined { return .empty }
            var out = ""
            for c in value.str.unicodeScalars {
                switch c {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "'": out += "&#39;"
                case "\"": out += "&#34;"
                default: out.unicodeScalars.append(c)
                }
            }
            return .string(out)
        case "first", "last":
            var items = try value.iterate()
            if name == "last" { items.reverse() }
            return items.first ?? .undefined(message: "No \(name) item, sequence was empty.")
        case "float":
            let fallback = args.value(0, "default") ?? .double(0)
            switch value {
            case .double: return value
            case .string(let s): return PythonText.parseFloat(s).map { .double($0) } ?? fallback
            default: return value.doubleValue.map { .double($0) } ?? fallback
            }
        case "format":
            let arguments: JinjaValue = args.keywords.isEmpty
                ? .tuple(args.positional)
                : .dict(JinjaDict(args.keywords.map { ($0.name, $0.value) }))
            return .string(try PythonFormat.percent(value.str, arguments))
        case "indent":
            return .string(try indent(value.str, args))
        case "int":
            try args.check(name, ["default", "base"])
            let fallback = args.value(0, "default") ?? .int(0)
            let base = args.value(1, "base")?.intValue ?? 10
            switch value {
            case .string(let s):
                if let i = PythonText.parseInt(s, base: base) { return .int(i) }
                if let d = PythonText.parseFloat(s), d.isFinite, abs(d) < 9.2e18 { return .int(Int(d)) }
                return fallback
            case .double(let d):
                guard d.isFinite, abs(d) < 9.2e18 else { return fallback }
                return .int(Int(d))
            default:
                return value.intValue.map { .int($0) } ?? fallback
            }
        case "items":
            switch value {
            case .undefined: return .list([])
            case .dict(let d): return .list(d.entries.map { .tuple([$0.key, $0.value]) })
            default: throw JinjaRuntimeError("TypeError: Can only get item pairs from a mapping.")
            }
        case "join":
            try args.check(name, ["d", "attribute"])
            let separator = args.value(0, "d")?.str ?? ""
            var items = try value.iterate()
            if let attribute = args.value(1, "attribute"), !attribute.isNone {
                items = try items.map { try attributePath($0, attribute, default: nil) }
            }
            return .string(items.map(\.str).joined(separator: separator))
        case "list":
            return .list(try value.iterate())
        case "lower":
            return .string(PythonText.lower(value.str))
        case "upper":
            return .string(PythonText.upper(value.str))
        case "title":
            return .string(PythonText.jinjaTitle(value.str))
        case "trim":
            let chars = args.value(0, "chars")
            return .string(PythonText.strip(value.str, chars.flatMap { $0.isNone ? nil : $0.str }))
        case "map":
            guard value.isTruthy else { return .list([]) }
            let items = try value.iterate()
            if args.positional.isEmpty, let attribute = args.value(-1, "attribute") {
                let fallback = args.value(-1, "default")
                return .list(try items.map { try attributePath($0, attribute, default: fallback) })
            }
            guard case .string(let filter)? = args.positional.first else { throw JinjaRuntimeError("TypeError: map() needs a filter name or attribute=") }
            guard JinjaFilters.names.contains(filter) else { throw JinjaRuntimeError("no filter named '\(filter)'") }
            let rest = JinjaArguments(positional: Array(args.positional.dropFirst()), keywords: args.keywords)
            return .list(try items.map { try applyFilter(filter, $0, rest) })
        case "max", "min":
            try args.check(name, ["case_sensitive", "attribute"])
            let items = try value.iterate()
            guard var best = items.first else { return .undefined(message: "No aggregated item, sequence was empty.") }
            let caseSensitive = args.value(0, "case_sensitive")?.isTruthy ?? false
            let attribute = args.value(1, "attribute")
            func key(_ v: JinjaValue) throws -> JinjaValue {
                let k = try attribute.map { try attributePath(v, $0, default: nil) } ?? v
                return caseSensitive ? k : Self.ignoreCase(k)
            }
            var bestKey = try key(best)
            for item in items.dropFirst() {
                let k = try key(item)
                let c = try JinjaValue.compare(k, bestKey, op: name == "max" ? ">" : "<")
                if name == "max" ? c > 0 : c < 0 {
                    best = item
                    bestKey = k
                }
            }
            return best
        case "select", "reject", "selectattr", "rejectattr":
            let byAttribute = name.hasSuffix("attr")
            let keep = name.hasPrefix("select")
            var positional = args.positional
            var attribute: JinjaValue?
            if byAttribute {
                guard !positional.isEmpty else { throw JinjaRuntimeError("TypeError: \(name)() needs an attribute name") }
                attribute = positional.removeFirst()
            }
            var test: String?
            if !positional.isEmpty {
                guard case .string(let t) = positional.removeFirst() else { throw JinjaRuntimeError("TypeError: \(name)() test name must be a string") }
                guard JinjaPredicates.names.contains(t) else { throw JinjaRuntimeError("no test named '\(t)'") }
                test = t
            }
            let testArguments = JinjaArguments(positional: positional, keywords: args.keywords)
            var result: [JinjaValue] = []
            for item in try value.iterate() {
                let subject = try attribute.map { try attributePath(item, $0, default: nil) } ?? item
                let passed = try test.map { try applyTest($0, subject, testArguments) } ?? subject.isTruthy
                if passed == keep { result.append(item) }
            }
            return .list(result)
        case "replace":
            let old = args.value(0, "old")?.str ?? "", new = args.value(1, "new")?.str ?? ""
            let count = args.value(2, "count").flatMap { $0.isNone ? nil : $0.intValue } ?? -1
            return .string(PythonText.replace(value.str, old, new, count: count))
        case "reverse":
            if case .string(let s) = value { return .string(PythonText.string(s.unicodeScalars.reversed())) }
            return .list(try value.iterate().reversed())
        case "round":
            try args.check(name, ["precision", "method"])
            let precision = args.value(0, "precision")?.intValue ?? 0
            let method = args.value(1, "method")?.str ?? "common"
            if case .int = value, method == "common", precision >= 0 { return value }
            guard let d = value.doubleValue else { throw JinjaRuntimeError("TypeError: round() needs a number, not '\(value.typeName)'") }
            let scale = Double.pow10(precision)
            let rule: FloatingPointRoundingRule
            switch method {
            case "common": rule = .toNearestOrEven
            case "ceil": rule = .up
            case "floor": rule = .down
            default: throw JinjaRuntimeError("method must be common, ceil or floor")
            }
            return .double((d * scale).rounded(rule) / scale)
        case "safe", "string":
            return .string(value.str)
        case "sort":
            try args.check(name, ["reverse", "case_sensitive", "attribute"])
            let reverse = args.value(0, "reverse")?.isTruthy ?? false
            let caseSensitive = args.value(1, "case_sensitive")?.isTruthy ?? false
            let attribute = args.value(2, "attribute")
            return .list(try sorted(try value.iterate(), reverse: reverse) { item in
                let k = try attribute.map { try attributePath(item, $0, default: nil) } ?? item
                return caseSensitive ? k : Self.ignoreCase(k)
            })
        case "sum":
            try args.check(name, ["attribute", "start"])
            var total = args.value(1, "start") ?? .int(0)
            let attribute = args.value(0, "attribute")
            for item in try value.iterate() {
                let v = try attribute.map { try attributePath(item, $0, default: nil) } ?? item
                total = try JinjaArithmetic.apply(.add, total, v)
            }
            return total
        case "tojson":
            try args.check(name, ["ensure_ascii", "indent", "separators", "sort_keys"])
            return .string(try JinjaJSON.dumps(value,
                                               ensureASCII: args.value(0, "ensure_ascii")?.isTruthy ?? false,
                                               indent: args.value(1, "indent"),
                                               separators: args.value(2, "separators"),
                                               sortKeys: args.value(3, "sort_keys")?.isTruthy ?? false))
        case "unique":
            try args.check(name, ["case_sensitive", "attribute"])
            let caseSensitive = args.value(0, "case_sensitive")?.isTruthy ?? false
            let attribute = args.value(1, "attribute")
            var seen: [JinjaValue] = []
            var result: [JinjaValue] = []
            for item in try value.iterate() {
                var k = try attribute.map { try attributePath(item, $0, default: nil) } ?? item
                if !caseSensitive { k = Self.ignoreCase(k) }
                if !seen.contains(where: { JinjaValue.equal($0, k) }) {
                    seen.append(k)
                    result.append(item)
                }
            }
            return .list(result)
        case "wordcount":
            var count = 0, inWord = false
            for c in value.str.unicodeScalars {
                let word = c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
                if word && !inWord { count += 1 }
                inWord = word
            }
            return .int(count)
        default:
            throw JinjaRuntimeError("no filter named '\(name)'")
        }
    }

    /// Lowercases strings, for case-insensitive sorting and comparison.
    private static func ignoreCase(_ v: JinjaValue) -> JinjaValue {
        if case .string(let s) = v { return .string(PythonText.lower(s)) }
        return v
    }

    /// A stable sort by `key`, with Python's ordering (`TypeError` for mixed types).
    private func sorted(_ items: [JinjaValue], reverse: Bool, key: (JinjaValue) throws -> JinjaValue) throws -> [JinjaValue] {
        let keyed = try items.map { (key: try key($0), value: $0) }
        var failure: Error?
        let order = keyed.indices.sorted { i, j in
            if failure != nil { return false }
            do {
                let c = try JinjaValue.compare(keyed[i].key, keyed[j].key, op: "<")
                if c == 0 { return i < j }
                return reverse ? c > 0 : c < 0
            } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
        return order.map { keyed[$0].value }
    }

    /// Jinja's `make_attrgetter`: `"a.b.0"` looks up items (then attributes) step by step.
    func attributePath(_ item: JinjaValue, _ attribute: JinjaValue, default fallback: JinjaValue?) throws -> JinjaValue {
        var current = item
        let parts: [JinjaValue]
        if case .string(let path) = attribute {
            parts = try PythonText.split(path, ".").map { part in
                if let i = Int(part) { return .int(i) }
                return .string(part)
            }
        } else {
            parts = [attribute]
        }
        for part in parts {
            current = try getItem(current, part)
            if let fallback, current.isUndefined { current = fallback }
        }
        return current
    }

    /// Jinja's `indent(width=4, first=False, blank=False)`.
    private func indent(_ text: String, _ args: JinjaArguments) throws -> String {
        try args.check("indent", ["width", "first", "blank"])
        let width = args.value(0, "width") ?? .int(4)
        let indentation: String
        switch width {
        case .string(let s): indentation = s
        default:
            guard let n = width.intValue else { throw JinjaRuntimeError("TypeError: indent width must be an int or a string") }
            indentation = String(repeating: " ", count: max(n, 0))
        }
        let first = args.value(1, "first")?.isTruthy ?? false
        let blank = args.value(2, "blank")?.isTruthy ?? false
        let lines = PythonText.splitLines(text + "\n")
        var result: String
        if blank {
            result = lines.joined(separator: "\n" + indentation)
        } else {
            result = lines.first ?? ""
            let rest = lines.dropFirst()
            if !rest.isEmpty {
                result += "\n" + rest.map { $0.isEmpty ? $0 : indentation + $0 }.joined(separator: "\n")
            }
        }
        if first { result = indentation + result }
        return result
    }
}

private extension Double {
    static func pow10(_ n: Int) -> Double {
        var r = 1.0
        for _ in 0..<abs(n) { r *= 10 }
        return n < 0 ? 1 / r : r
    }
}
