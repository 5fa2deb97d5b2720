/// Python methods templates call on values: `content.strip()`, `message.get('x')`,
/// `tool.items()`, `messages.index(m)`.
///
/// Like Jinja's `ImmutableSandboxedEnvironment`, methods that modify a list or dict
/// (`append`, `pop`, `update`, ...) are unsafe: they look up as an undefined value whose
/// call raises a security error.
enum JinjaMethods {
    private static let unsafeList: Set<String> = ["append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"]
    private static let unsafeDict: Set<String> = ["clear", "pop", "popitem", "setdefault", "update"]

    /// The bound method `name` of `object`, an unsafe-method placeholder, or nil if Python
    /// has no such attribute.
    static func method(_ object: JinjaValue, _ name: String) -> JinjaValue? {
        switch object {
        case .string(let s):
            guard stringMethods.contains(name) else { return nil }
            return bind(name) { try string(s, name, $0) }
        case .dict(let d):
            if unsafeDict.contains(name) { return unsafe(name, object) }
            guard ["get", "items", "keys", "values", "copy"].contains(name) else { return nil }
            return bind(name) { try dict(d, name, $0) }
        case .list(let items), .tuple(let items):
            if case .list = object, unsafeList.contains(name) { return unsafe(name, object) }
            guard ["count", "index"].contains(name) || (name == "copy" && isList(object)) else { return nil }
            return bind(name) { args in
                switch name {
                case "copy": return object
                case "count":
                    guard let x = args.value(0, "value") else { throw JinjaRuntimeError("TypeError: count() takes exactly one argument (0 given)") }
                    return .int(items.filter { JinjaValue.equal($0, x) }.count)
                default:
                    guard let x = args.value(0, "value") else { throw JinjaRuntimeError("TypeError: index expected at least 1 argument, got 0") }
                    guard let i = items.firstIndex(where: { JinjaValue.equal($0, x) }) else {
                        throw JinjaRuntimeError("ValueError: \(x.repr) is not in \(object.typeName)")
                    }
                    return .int(i)
                }
            }
        default:
            return nil
        }
    }

    private static func isList(_ v: JinjaValue) -> Bool {
        if case .list = v { return true }
        return false
    }

    private static func bind(_ name: String, _ body: @escaping (JinjaArguments) throws -> JinjaValue) -> JinjaValue {
        .function(JinjaFunction(name: name, body: body))
    }

    private static func unsafe(_ name: String, _ object: JinjaValue) -> JinjaValue {
        .undefined(message: "SecurityError: access to attribute \(PythonText.repr(name)) of \(PythonText.repr(object.typeName)) object is unsafe.")
    }

    // MARK: dict

    private static func dict(_ d: JinjaDict, _ name: String, _ args: JinjaArguments) throws -> JinjaValue {
        switch name {
        case "get":
            guard let key = args.value(0, "key") else { throw JinjaRuntimeError("TypeError: get expected at least 1 argument, got 0") }
            guard key.isHashable else { throw JinjaRuntimeError("TypeError: unhashable type: '\(key.typeName)'") }
            return d.value(for: key) ?? args.value(1, "default") ?? .none
        case "items": return .list(d.entries.map { .tuple([$0.key, $0.value]) })
        case "keys": return .list(d.entries.map(\.key))
        case "values": return .list(d.entries.map(\.value))
        default: return .dict(d)
        }
    }

    // MARK: str

    static let stringMethods: Set<String> = [
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith",
        "upper", "lower", "casefold", "title", "capitalize", "swapcase", "replace", "find", "rfind", "index", "rindex",
        "count", "join", "isdigit", "isdecimal", "isnumeric", "isalpha", "isalnum", "isspace", "isupper", "islower",
        "istitle", "removeprefix", "removesuffix", "zfill", "ljust", "rjust", "center", "partition", "rpartition", "format",
    ]

    private static func optionalString(_ args: JinjaArguments, _ i: Int, _ name: String, _ method: String) throws -> String? {
        guard let v = args.value(i, name), !v.isNone else { return nil }
        guard case .string(let s) = v else {
            throw JinjaRuntimeError("TypeError: \(method) arg must be None or str, not \(v.typeName)")
        }
        return s
    }

    private static func requiredString(_ args: JinjaArguments, _ i: Int, _ name: String, _ method: String) throws -> String {
        guard let v = args.value(i, name) else { throw JinjaRuntimeError("TypeError: \(method)() missing required argument '\(name)'") }
        guard case .string(let s) = v else { throw JinjaRuntimeError("TypeError: \(method)() argument must be str, not \(v.typeName)") }
        return s
    }

    private static func optionalInt(_ args: JinjaArguments, _ i: Int, _ name: String) throws -> Int? {
        guard let v = args.value(i, name), !v.isNone else { return nil }
        guard let n = v.intValue else { throw JinjaRuntimeError("TypeError: '\(v.typeName)' object cannot be interpreted as an integer") }
        return n
    }

    private static func isLetter(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    private static func all(_ s: String, _ predicate: (Unicode.Scalar) -> Bool) -> JinjaValue {
        .bool(!s.unicodeScalars.isEmpty && s.unicodeScalars.allSatisfy(predicate))
    }

    /// The scalars of `s[start:end]` (Python clamping), and the offset of the window.
    private static func window(_ s: String, _ args: JinjaArguments, from i: Int) throws -> ([Unicode.Scalar], Int) {
        let scalars = PythonText.scalars(s)
        let start = try optionalInt(args, i, "start"), end = try optionalInt(args, i + 1, "end")
        let indices = try PythonText.sliceIndices(count: scalars.count, start: start, stop: end, step: 1)
        guard let first = indices.first else {
            let lo = start.map { $0 < 0 ? max($0 + scalars.count, 0) : min($0, scalars.count) } ?? 0
            return ([], lo)
        }
        return (Array(scalars[first...(indices.last ?? first)]), first)
    }

    static func string(_ s: String, _ name: String, _ args: JinjaArguments) throws -> JinjaValue {
        switch name {
        case "strip": return .string(PythonText.strip(s, try optionalString(args, 0, "chars", name)))
        case "lstrip": return .string(PythonText.strip(s, try optionalString(args, 0, "chars", name), trailing: false))
        case "rstrip": return .string(PythonText.strip(s, try optionalString(args, 0, "chars", name), leading: false))
        case "split", "rsplit":
            let sep = try optionalString(args, 0, "sep", name)
            let maxSplit = try optionalInt(args, 1, "maxsplit") ?? -1
            let parts = name == "split" ? try PythonText.split(s, sep, maxSplit: maxSplit) : try PythonText.rsplit(s, sep, maxSplit: maxSplit)
            return .list(parts.map { .string($0) })
        case "splitlines":
            return .list(PythonText.splitLines(s, keepEnds: args.value(0, "keepends")?.isTruthy ?? false).map { .string($0) })
        case "startswith", "endswith":
            guard let v = args.value(0, "prefix") else { throw JinjaRuntimeError("TypeError: \(name)() takes at least 1 argument (0 given)") }
            var candidates: [String] = []
            switch v {
            case .string(let p): candidates = [p]
            case .tuple(let items):
                for item in items {
                    guard case .string(let p) = item else { throw JinjaRuntimeError("TypeError: tuple for \(name) must only contain str, not \(item.typeName)") }
                    candidates.append(p)
                }
            default:
                throw JinjaRuntimeError("TypeError: \(name) first arg must be str or a tuple of str, not \(v.typeName)")
            }
            let (scalars, _) = try window(s, args, from: 1)
            let text = PythonText.string(scalars)
            return .bool(candidates.contains { name == "startswith" ? PythonText.hasPrefix(text, $0) : PythonText.hasSuffix(text, $0) })
        case "upper": return .string(PythonText.upper(s))
        case "lower", "casefold": return .string(PythonText.lower(s))
        case "title": return .string(PythonText.title(s))
        case "capitalize": return .string(PythonText.capitalize(s))
        case "swapcase":
            var out = ""
            for c in s.unicodeScalars {
                if c.properties.isUppercase { out += c.properties.lowercaseMapping }
                else if c.properties.isLowercase { out += c.properties.uppercaseMapping }
                else { out.unicodeScalars.append(c) }
            }
            return .string(out)
        case "replace":
            let old = try requiredString(args, 0, "old", name), new = try requiredString(args, 1, "new", name)
            return .string(PythonText.replace(s, old, new, count: try optionalInt(args, 2, "count") ?? -1))
        case "find", "index", "rfind", "rindex":
            let sub = PythonText.scalars(try requiredString(args, 0, "sub", name))
            let (scalars, offset) = try window(s, args, from: 1)
            let found = name.hasPrefix("r") ? PythonText.rfind(scalars, sub) : PythonText.find(scalars, sub)
            if let found { return .int(found + offset) }
            if name.hasSuffix("index") { throw JinjaRuntimeError("ValueError: substring not found") }
            return .int(-1)
        case "count":
            let (scalars, _) = try window(s, args, from: 1)
            return .int(PythonText.count(PythonText.string(scalars), try requiredString(args, 0, "sub", name)))
        case "join":
            guard let v = args.value(0, "iterable") else { throw JinjaRuntimeError("TypeError: join() takes exactly one argument (0 given)") }
            var parts: [String] = []
            for (i, item) in try v.iterate().enumerated() {
                guard case .string(let p) = item else {
                    throw JinjaRuntimeError("TypeError: sequence item \(i): expected str instance, \(item.typeName) found")
                }
                parts.append(p)
            }
            return .string(parts.joined(separator: s))
        case "isdigit", "isdecimal", "isnumeric":
            return all(s) { c in
                switch name {
                case "isdecimal": return c.properties.numericType == .decimal
                case "isdigit": return c.properties.numericType == .decimal || c.properties.numericType == .digit
                default: return c.properties.numericType != nil
                }
            }
        case "isalpha": return all(s, isLetter)
        case "isalnum": return all(s) { isLetter($0) || $0.properties.numericType != nil }
        case "isspace": return all(s, PythonText.isSpace)
        case "isupper", "islower":
            let cased = s.unicodeScalars.filter { $0.properties.isCased }
            let ok = cased.allSatisfy { name == "isupper" ? !$0.properties.isLowercase : !$0.properties.isUppercase }
            return .bool(!cased.isEmpty && ok)
        case "istitle": return .bool(!s.isEmpty && PythonText.equal(PythonText.title(s), s) && s.unicodeScalars.contains { $0.properties.isCased })
        case "removeprefix":
            let p = try requiredString(args, 0, "prefix", name)
            return .string(PythonText.hasPrefix(s, p) ? PythonText.string(s.unicodeScalars.dropFirst(p.unicodeScalars.count)) : s)
        case "removesuffix":
            let p = try requiredString(args, 0, "suffix", name)
            return .string(PythonText.hasSuffix(s, p) && !p.isEmpty ? PythonText.string(s.unicodeScalars.dropLast(p.unicodeScalars.count)) : s)
        case "zfill", "ljust", "rjust", "center":
            guard let width = try optionalInt(args, 0, "width") else { throw JinjaRuntimeError("TypeError: \(name)() takes at least 1 argument") }
            let fill = name == "zfill" ? "0" : (try optionalString(args, 1, "fillchar", name) ?? " ")
            let n = s.unicodeScalars.count
            guard width > n else { return .string(s) }
            let pad = width - n
            switch name {
            case "ljust": return .string(s + String(repeating: fill, count: pad))
            case "rjust": return .string(String(repeating: fill, count: pad) + s)
            case "center":
                let left = pad / 2 + (pad & width & 1)
                return .string(String(repeating: fill, count: left) + s + String(repeating: fill, count: pad - left))
            default:
                let scalars = PythonText.scalars(s)
                if let first = scalars.first, first == "+" || first == "-" {
                    return .string(String(first) + String(repeating: "0", count: pad) + PythonText.string(scalars.dropFirst()))
                }
                return .string(String(repeating: "0", count: pad) + s)
            }
        case "partition", "rpartition":
            let sep = PythonText.scalars(try requiredString(args, 0, "sep", name))
            guard !sep.isEmpty else { throw JinjaRuntimeError("ValueError: empty separator") }
            let scalars = PythonText.scalars(s)
            let found = name == "partition" ? PythonText.find(scalars, sep) : PythonText.rfind(scalars, sep)
            guard let i = found else {
                return name == "partition" ? .tuple([.string(s), .empty, .empty]) : .tuple([.empty, .empty, .string(s)])
            }
            return .tuple([.string(PythonText.string(scalars[..<i])), .string(PythonText.string(sep)),
                           .string(PythonText.string(scalars[(i + sep.count)...]))])
        case "format":
            return .string(try format(s, args))
        default:
            throw JinjaRuntimeError("str.\(name) is not supported")
        }
    }

    /// `str.format` with `{}`, `{0}` and `{name}` fields (no format specs or attribute access).
    private static func format(_ s: String, _ args: JinjaArguments) throws -> String {
        let f = PythonText.scalars(s)
        var out = ""
        var i = 0, auto = 0
        while i < f.count {
            let c = f[i]
            if c == "{" {
                if i + 1 < f.count && f[i + 1] == "{" { out += "{"; i += 2; continue }
                guard let close = f[i...].firstIndex(of: "}") else { throw JinjaRuntimeError("ValueError: Single '{' encountered in format string") }
                let field = PythonText.string(f[(i + 1)..<close])
                guard !field.contains(":") && !field.contains("!") && !field.contains(".") && !field.contains("[") else {
                    throw JinjaRuntimeError("str.format field '{\(field)}' is not supported")
                }
                let value: JinjaValue?
                if field.isEmpty {
                    value = args.positional.indices.contains(auto) ? args.positional[auto] : nil
                    auto += 1
                } else if let n = Int(field) {
                    value = args.positional.indices.contains(n) ? args.positional[n] : nil
                } else {
                    value = args.keywords.first { $0.name == field }?.value
                }
                guard let value else { throw JinjaRuntimeError("IndexError: Replacement index \(field.isEmpty ? String(auto - 1) : field) out of range for positional args tuple") }
                out += value.str
                i = close + 1
            } else if c == "}" {
                guard i + 1 < f.count && f[i + 1] == "}" else { throw JinjaRuntimeError("ValueError: Single '}' encountered in format string") }
                out += "}"
                i += 2
            } else {
                out.unicodeScalars.append(c)
                i += 1
            }
        }
        return out
    }
}
