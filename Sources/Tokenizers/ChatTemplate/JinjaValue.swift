/// A value while a template renders, with the Python semantics Jinja gives it: truthiness,
/// `str()`, `repr()`, `==`, ordering, iteration and `len()`.
enum JinjaValue {
    /// Jinja's default `Undefined`: falsy, prints as nothing, iterates as empty, and raises
    /// `message` when used in arithmetic, attribute access or calls.
    case undefined(message: String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([JinjaValue])
    case tuple([JinjaValue])
    case dict(JinjaDict)
    case namespace(JinjaNamespace)
    case loop(JinjaLoop)
    case function(JinjaFunction)
    case macro(JinjaMacro)

    static var empty: JinjaValue { .string("") }

    /// The undefined value for a missing variable.
    static func undefinedName(_ name: String) -> JinjaValue {
        .undefined(message: "\(PythonText.repr(name)) is undefined")
    }

    /// The undefined value for a missing attribute or item of `object`, worded like Jinja.
    static func missing(_ key: JinjaValue, of object: JinjaValue) -> JinjaValue {
        let owner = object.objectTypeRepr
        if case .string(let name) = key {
            return .undefined(message: "\(PythonText.repr(owner)) has no attribute \(PythonText.repr(name))")
        }
        return .undefined(message: "\(owner) has no element \(key.repr)")
    }

    var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The Python type name, for error messages (`'int' object is not iterable`).
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .namespace: return "Namespace"
        case .loop: return "LoopContext"
        case .function: return "builtin_function_or_method"
        case .macro: return "Macro"
        }
    }

    /// Jinja's `object_type_repr`: `None`, or `dict object`.
    var objectTypeRepr: String {
        switch self {
        case .none: return "None"
        case .namespace: return "jinja2.utils.Namespace object"
        case .loop: return "jinja2.runtime.LoopContext object"
        case .macro: return "jinja2.runtime.Macro object"
        default: return "\(typeName) object"
        }
    }

    // MARK: Truth, str, repr

    /// Python truthiness.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.unicodeScalars.isEmpty
        case .list(let a), .tuple(let a): return !a.isEmpty
        case .dict(let d): return !d.isEmpty
        case .namespace, .loop, .function, .macro: return true
        }
    }

    /// Python `str()`, which is what `{{ value }}`, `~` and the `string` filter produce.
    var str: String {
        switch self {
        case .undefined: return ""
        case .string(let s): return s
        default: return repr
        }
    }

    /// Python `repr()`.
    var repr: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return PythonText.floatRepr(d)
        case .string(let s): return PythonText.repr(s)
        case .list(let a): return "[" + a.map(\.repr).joined(separator: ", ") + "]"
        case .tuple(let a):
            if a.count == 1 { return "(" + a[0].repr + ",)" }
            return "(" + a.map(\.repr).joined(separator: ", ") + ")"
        case .dict(let d):
            return "{" + d.entries.map { $0.key.repr + ": " + $0.value.repr }.joined(separator: ", ") + "}"
        case .namespace(let ns):
            return "<Namespace {" + ns.attributes.map { PythonText.repr($0.name) + ": " + $0.value.repr }.joined(separator: ", ") + "}>"
        case .loop(let l): return "<LoopContext \(l.index0 + 1)/\(l.length)>"
        case .function(let f): return "<built-in function \(f.name)>"
        case .macro(let m): return "<Macro '\(m.definition.name)'>"
        }
    }

    // MARK: Numbers

    /// The value as an exact integer: ints and booleans (Python's `bool` is an `int`).
    var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// The value as a number: ints, booleans and floats.
    var doubleValue: Double? {
        switch self {
        case .double(let d): return d
        default: return intValue.map(Double.init)
        }
    }

    var isNumber: Bool { doubleValue != nil }

    // MARK: Comparison

    /// Python `==`.
    static func equal(_ a: JinjaValue, _ b: JinjaValue) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let x), .string(let y)): return PythonText.equal(x, y)
        case (.list(let x), .list(let y)), (.tuple(let x), .tuple(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.dict(let x), .dict(let y)):
            return x.count == y.count && x.entries.allSatisfy { entry in
                y.value(for: entry.key).map { equal($0, entry.value) } ?? false
            }
        case (.namespace(let x), .namespace(let y)): return x === y
        case (.loop(let x), .loop(let y)): return x === y
        case (.function(let x), .function(let y)): return x === y
        case (.macro(let x), .macro(let y)): return x === y
        default:
            if let i = a.intValue, let j = b.intValue { return i == j }
            if let x = a.doubleValue, let y = b.doubleValue { return x == y }
            return false
        }
    }

    /// Python ordering: -1, 0 or 1, or a `TypeError` for values Python cannot order.
    static func compare(_ a: JinjaValue, _ b: JinjaValue, op: String) throws -> Int {
        switch (a, b) {
        case (.undefined(let message), _), (_, .undefined(let message)):
            throw JinjaRuntimeError(message)
        case (.string(let x), .string(let y)):
            return PythonText.equal(x, y) ? 0 : (PythonText.less(x, y) ? -1 : 1)
        case (.list(let x), .list(let y)), (.tuple(let x), .tuple(let y)):
            for (p, q) in zip(x, y) where !equal(p, q) {
                return try compare(p, q, op: op)
            }
            return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
        default:
            if let i = a.intValue, let j = b.intValue { return i == j ? 0 : (i < j ? -1 : 1) }
            if let x = a.doubleValue, let y = b.doubleValue { return x == y ? 0 : (x < y ? -1 : 1) }
            throw JinjaRuntimeError("TypeError: '\(op)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
        }
    }

    /// Python `item in container`.
    static func contains(_ container: JinjaValue, _ item: JinjaValue) throws -> Bool {
        switch container {
        case .undefined: return false
        case .string(let s):
            guard case .string(let sub) = item else {
                throw JinjaRuntimeError("TypeError: 'in <string>' requires string as left operand, not \(item.typeName)")
            }
            return PythonText.contains(s, sub)
        case .list(let a), .tuple(let a): return a.contains { equal($0, item) }
        case .dict(let d): return d.value(for: item) != nil
        default:
            throw JinjaRuntimeError("TypeError: argument of type '\(container.typeName)' is not iterable")
        }
    }

    // MARK: Iteration and length

    /// The items a Python `for` loop visits: list items, dict keys, string characters.
    func iterate() throws -> [JinjaValue] {
        switch self {
        case .undefined: return []
        case .list(let a), .tuple(let a): return a
        case .dict(let d): return d.entries.map(\.key)
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        default: throw JinjaRuntimeError("TypeError: '\(typeName)' object is not iterable")
        }
    }

    /// Python `len()`.
    func length() throws -> Int {
        switch self {
        case .undefined: return 0
        case .string(let s): return s.unicodeScalars.count
        case .list(let a), .tuple(let a): return a.count
        case .dict(let d): return d.count
        default: throw JinjaRuntimeError("TypeError: object of type '\(typeName)' has no len()")
        }
    }

    /// Whether Python can hash the value (so it can be a dict key).
    var isHashable: Bool {
        switch self {
        case .list, .dict, .namespace: return false
        case .tuple(let a): return a.allSatisfy(\.isHashable)
        default: return true
        }
    }
}

/// A Python `dict`: insertion-ordered, keys compared with Python `==`.
struct JinjaDict {
    private(set) var entries: [(key: JinjaValue, value: JinjaValue)] = []

    init() {}

    init(_ pairs: [(String, JinjaValue)]) {
        for (k, v) in pairs { self[.string(k)] = v }
    }

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    func value(for key: JinjaValue) -> JinjaValue? {
        entries.first { JinjaValue.equal($0.key, key) }?.value
    }

    func value(for key: String) -> JinjaValue? {
        for entry in entries {
            if case .string(let k) = entry.key, PythonText.equal(k, key) { return entry.value }
        }
        return nil
    }

    subscript(key: JinjaValue) -> JinjaValue? {
        get { value(for: key) }
        set {
            let i = entries.firstIndex { JinjaValue.equal($0.key, key) }
            switch (i, newValue) {
            case (let i?, let v?): entries[i].value = v
            case (let i?, nil): entries.remove(at: i)
            case (nil, let v?): entries.append((key: key, value: v))
            case (nil, nil): break
            }
        }
    }
}

/// Jinja's `namespace(...)`: an object whose attributes `{% set ns.attr = ... %}` can change
/// from inside loops.
final class JinjaNamespace {
    private(set) var attributes: [(name: String, value: JinjaValue)] = []

    func get(_ name: String) -> JinjaValue? {
        attributes.first { PythonText.equal($0.name, name) }?.value
    }

    func set(_ name: String, _ value: JinjaValue) {
        if let i = attributes.firstIndex(where: { PythonText.equal($0.name, name) }) {
            attributes[i].value = value
        } else {
            attributes.append((name: name, value: value))
        }
    }
}

/// The `loop` variable inside a `for` body.
final class JinjaLoop {
    let items: [JinjaValue]
    let index0: Int

    init(items: [JinjaValue], index0: Int) {
        self.items = items
        self.index0 = index0
    }

    var length: Int { items.count }

    func attribute(_ name: String) -> JinjaValue? {
        switch name {
        case "index": return .int(index0 + 1)
        case "index0": return .int(index0)
        case "revindex": return .int(length - index0)
        case "revindex0": return .int(length - index0 - 1)
        case "first": return .bool(index0 == 0)
        case "last": return .bool(index0 == length - 1)
        case "length": return .int(length)
        case "depth": return .int(1)
        case "depth0": return .int(0)
        case "previtem":
            return index0 > 0 ? items[index0 - 1] : .undefined(message: "there is no previous item")
        case "nextitem":
            return index0 + 1 < length ? items[index0 + 1] : .undefined(message: "there is no next item")
        case "cycle":
            let index0 = self.index0
            return .function(JinjaFunction(name: "cycle") { args in
                guard !args.positional.isEmpty else { throw JinjaRuntimeError("TypeError: no items for cycling given") }
                return args.positional[index0 % args.positional.count]
            })
        default: return nil
        }
    }
}

/// Positional and keyword arguments of a call, filter or test.
struct JinjaArguments {
    var positional: [JinjaValue] = []
    var keywords: [(name: String, value: JinjaValue)] = []

    /// The argument at `index`, or the keyword `name`, or nil.
    func value(_ index: Int, _ name: String) -> JinjaValue? {
        if index >= 0 && index < positional.count { return positional[index] }
        return keywords.first { $0.name == name }?.value
    }

    /// Throws unless every argument is one of `names` (positionally in that order).
    func check(_ function: String, _ names: [String]) throws {
        if positional.count > names.count {
            throw JinjaRuntimeError("TypeError: \(function)() takes at most \(names.count) argument(s) (\(positional.count) given)")
        }
        for keyword in keywords where !names.contains(keyword.name) {
            throw JinjaRuntimeError("TypeError: \(function)() got an unexpected keyword argument '\(keyword.name)'")
        }
    }
}

/// A built-in function or bound method (`raise_exception`, `'abc'.strip`, `loop.cycle`).
final class JinjaFunction {
    let name: String
    let body: (JinjaArguments) throws -> JinjaValue

    init(name: String, body: @escaping (JinjaArguments) throws -> JinjaValue) {
        self.name = name
        self.body = body
    }
}

/// A `{% macro %}` with the scope it was defined in.
final class JinjaMacro {
    let definition: MacroDefinition
    /// Cleared when the render ends, to break the scope ↔ macro reference cycle.
    var closure: JinjaScope?

    init(definition: MacroDefinition, closure: JinjaScope) {
        self.definition = definition
        self.closure = closure
    }
}
