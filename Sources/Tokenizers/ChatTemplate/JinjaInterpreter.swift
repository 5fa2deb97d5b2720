import Foundation

/// Variables visible at one level of a render: the template's top level, one `for`
/// iteration, a macro call, a `with` block. Lookups walk outwards; assignments stay local,
/// which is Jinja's scoping (a `{% set %}` inside a loop is gone after the iteration).
final class JinjaScope {
    var variables: [String: JinjaValue] = [:]
    let parent: JinjaScope?

    init(parent: JinjaScope?) {
        self.parent = parent
    }

    func lookup(_ name: String) -> JinjaValue? {
        var scope: JinjaScope? = self
        while let s = scope {
            if let v = s.variables[name] { return v }
            scope = s.parent
        }
        return nil
    }
}

/// Renders a parsed template with Jinja2 semantics (the default `Undefined`, Python values),
/// plus the globals transformers adds (`raise_exception`, `strftime_now`) and its `tojson`.
///
/// One interpreter renders one template once; it is not shared between threads.
final class JinjaInterpreter {
    private var globals: [String: JinjaValue] = [:]
    private var macros: [JinjaMacro] = []
    let now: Date

    private enum Flow { case normal, breakLoop, continueLoop }

    init(variables: [String: JinjaValue], now: Date) {
        self.now = now
        globals = builtins()
        for (name, value) in variables { globals[name] = value }
    }

    /// Renders `body` and returns the text.
    func render(_ body: [Stmt]) throws -> String {
        defer {
            for macro in macros { macro.closure = nil }
            macros.removeAll()
        }
        var out = ""
        _ = try execute(body, JinjaScope(parent: nil), &out)
        return out
    }

    /// Runs `body`, turning a `JinjaRuntimeError` into a `ChatTemplateError` at `position`.
    func at<T>(_ position: TemplatePosition, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as JinjaRuntimeError {
            throw ChatTemplateError(error.kind, error.message, at: position)
        }
    }

    // MARK: Statements

    private func execute(_ body: [Stmt], _ scope: JinjaScope, _ out: inout String) throws -> Flow {
        for stmt in body {
            let flow = try execute(stmt, scope, &out)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func execute(_ stmt: Stmt, _ scope: JinjaScope, _ out: inout String) throws -> Flow {
        switch stmt.kind {
        case .text(let text):
            out += text
        case .output(let expr):
            out += try evaluate(expr, scope).str
        case .if(let branches, let otherwise):
            for branch in branches {
                if try evaluate(branch.condition, scope).isTruthy {
                    return try execute(branch.body, scope, &out)
                }
            }
            return try execute(otherwise, scope, &out)
        case .for(let loop):
            try executeFor(loop, stmt.position, scope, &out)
        case .set(let target, let expr):
            let value = try evaluate(expr, scope)
            try at(stmt.position) { try assign(target, value, scope) }
        case .setBlock(let target, let body, let filters):
            var text = ""
            _ = try execute(body, JinjaScope(parent: scope), &text)
            let value = try applyFilters(filters, to: .string(text), scope)
            try at(stmt.position) { try assign(target, value, scope) }
        case .macro(let definition):
            let macro = JinjaMacro(definition: definition, closure: scope)
            macros.append(macro)
            scope.variables[definition.name] = .macro(macro)
        case .filterBlock(let filters, let body):
            var text = ""
            let flow = try execute(body, scope, &text)
            out += try applyFilters(filters, to: .string(text), scope).str
            return flow
        case .with(let assignments, let body):
            let inner = JinjaScope(parent: scope)
            for (target, expr) in assignments {
                let value = try evaluate(expr, scope)
                try at(stmt.position) { try assign(target, value, inner) }
            }
            return try execute(body, inner, &out)
        case .generation(let body):
            return try execute(body, scope, &out)
        case .break:
            return .breakLoop
        case .continue:
            return .continueLoop
        }
        return .normal
    }

    private func executeFor(_ loop: ForLoop, _ position: TemplatePosition, _ scope: JinjaScope, _ out: inout String) throws {
        let iterable = try evaluate(loop.iterable, scope)
        var items = try at(loop.iterable.position) { try iterable.iterate() }
        if let condition = loop.condition {
            var kept: [JinjaValue] = []
            for item in items {
                let inner = JinjaScope(parent: scope)
                try at(position) { try assign(loop.target, item, inner) }
                if try evaluate(condition, inner).isTruthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty {
            _ = try execute(loop.otherwise, JinjaScope(parent: scope), &out)
            return
        }
        for (i, item) in items.enumerated() {
            let inner = JinjaScope(parent: scope)
            try at(position) { try assign(loop.target, item, inner) }
            inner.variables["loop"] = .loop(JinjaLoop(items: items, index0: i))
            if try execute(loop.body, inner, &out) == .breakLoop { break }
        }
    }

    private func assign(_ target: AssignTarget, _ value: JinjaValue, _ scope: JinjaScope) throws {
        switch target {
        case .name(let name):
            scope.variables[name] = value
        case .tuple(let targets):
            let items = try value.iterate()
            if items.count < targets.count {
                throw JinjaRuntimeError("ValueError: not enough values to unpack (expected \(targets.count), got \(items.count))")
            }
            if items.count > targets.count {
                throw JinjaRuntimeError("ValueError: too many values to unpack (expected \(targets.count))")
            }
            for (t, v) in zip(targets, items) { try assign(t, v, scope) }
        case .namespaceAttribute(let name, let attribute):
            guard case .namespace(let namespace) = lookup(name, scope) else {
                throw JinjaRuntimeError("cannot assign attribute on non-namespace object '\(name)'")
            }
            namespace.set(attribute, value)
        }
    }

    private func applyFilters(_ filters: [FilterCall], to value: JinjaValue, _ scope: JinjaScope) throws -> JinjaValue {
        var value = value
        for filter in filters {
            let arguments = try evaluate(filter.arguments, scope)
            let input = value
            value = try at(filter.position) { try applyFilter(filter.name, input, arguments) }
        }
        return value
    }

    // MARK: Expressions

    func lookup(_ name: String, _ scope: JinjaScope) -> JinjaValue {
        scope.lookup(name) ?? globals[name] ?? .undefinedName(name)
    }

    func evaluate(_ expr: Expr, _ scope: JinjaScope) throws -> JinjaValue {
        do {
            return try evaluateKind(expr, scope)
        } catch let error as JinjaRuntimeError {
            throw ChatTemplateError(error.kind, error.message, at: expr.position)
        }
    }

    func evaluate(_ arguments: CallArguments, _ scope: JinjaScope) throws -> JinjaArguments {
        var result = JinjaArguments()
        for e in arguments.positional { result.positional.append(try evaluate(e, scope)) }
        for k in arguments.keywords { result.keywords.append((name: k.name, value: try evaluate(k.value, scope))) }
        return result
    }

    private func evaluateKind(_ expr: Expr, _ scope: JinjaScope) throws -> JinjaValue {
        switch expr.kind {
        case .none: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .name(let name): return lookup(name, scope)
        case .list(let items): return .list(try items.map { try evaluate($0, scope) })
        case .tuple(let items): return .tuple(try items.map { try evaluate($0, scope) })
        case .dict(let items):
            var dict = JinjaDict()
            for item in items {
                let key = try evaluate(item.key, scope)
                guard key.isHashable else { throw JinjaRuntimeError("TypeError: unhashable type: '\(key.typeName)'") }
                dict[key] = try evaluate(item.value, scope)
            }
            return .dict(dict)
        case .attribute(let object, let name):
            return try getAttribute(try evaluate(object, scope), name)
        case .item(let object, let key):
            let o = try evaluate(object, scope)
            return try getItem(o, try evaluate(key, scope))
        case .slice(let object, let start, let stop, let step):
            let o = try evaluate(object, scope)
            func bound(_ e: Expr?) throws -> Int?? {
                guard let e else { return .some(nil) }
                let v = try evaluate(e, scope)
                if v.isNone { return .some(nil) }
                guard let i = v.intValue else { return nil }
                return .some(i)
            }
            guard let a = try bound(start), let b = try bound(stop), let c = try bound(step) else {
                return .undefined(message: "slice indices must be integers or None")
            }
            return try slice(o, a, b, c)
        case .call(let callee, let arguments):
            let function = try evaluate(callee, scope)
            return try call(function, try evaluate(arguments, scope))
        case .filter(let value, let name, let arguments):
            let v = try evaluate(value, scope)
            return try applyFilter(name, v, try evaluate(arguments, scope))
        case .test(let value, let name, let arguments, let negated):
            let v = try evaluate(value, scope)
            let result = try applyTest(name, v, try evaluate(arguments, scope))
            return .bool(negated ? !result : result)
        case .not(let e):
            return .bool(!(try evaluate(e, scope).isTruthy))
        case .negate(let e):
            let v = try evaluate(e, scope)
            switch v {
            case .undefined(let message): throw JinjaRuntimeError(message)
            case .double(let d): return .double(-d)
            default:
                guard let i = v.intValue else { throw JinjaRuntimeError("TypeError: bad operand type for unary -: '\(v.typeName)'") }
                let (r, overflow) = (0).subtractingReportingOverflow(i)
                if overflow { throw JinjaRuntimeError("integer overflow") }
                return .int(r)
            }
        case .plus(let e):
            let v = try evaluate(e, scope)
            switch v {
            case .undefined(let message): throw JinjaRuntimeError(message)
            case .double: return v
            default:
                guard let i = v.intValue else { throw JinjaRuntimeError("TypeError: bad operand type for unary +: '\(v.typeName)'") }
                return .int(i)
            }
        case .binary(.and, let l, let r):
            let a = try evaluate(l, scope)
            return a.isTruthy ? try evaluate(r, scope) : a
        case .binary(.or, let l, let r):
            let a = try evaluate(l, scope)
            return a.isTruthy ? a : try evaluate(r, scope)
        case .binary(let op, let l, let r):
            let a = try evaluate(l, scope)
            return try JinjaArithmetic.apply(op, a, try evaluate(r, scope))
        case .concat(let items):
            var text = ""
            for item in items { text += try evaluate(item, scope).str }
            return .string(text)
        case .compare(let first, let comparisons):
            var left = try evaluate(first, scope)
            for comparison in comparisons {
                let right = try evaluate(comparison.operand, scope)
                if !(try compare(comparison.op, left, right)) { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let then, let condition, let otherwise):
            if try evaluate(condition, scope).isTruthy { return try evaluate(then, scope) }
            if let otherwise { return try evaluate(otherwise, scope) }
            return .undefined(message: "the inline if-expression on \(expr.position) evaluated to false and no else section was defined.")
        }
    }

    private func compare(_ op: CompareOperator, _ a: JinjaValue, _ b: JinjaValue) throws -> Bool {
        switch op {
        case .equal: return JinjaValue.equal(a, b)
        case .notEqual: return !JinjaValue.equal(a, b)
        case .less: return try JinjaValue.compare(a, b, op: "<") < 0
        case .lessEqual: return try JinjaValue.compare(a, b, op: "<=") <= 0
        case .greater: return try JinjaValue.compare(a, b, op: ">") > 0
        case .greaterEqual: return try JinjaValue.compare(a, b, op: ">=") >= 0
        case .in: return try JinjaValue.contains(b, a)
        case .notIn: return !(try JinjaValue.contains(b, a))
        }
    }

    // MARK: Attributes, items, calls

    /// `object.name`: Python attribute first (methods), then the item, as Jinja's sandbox does.
    func getAttribute(_ object: JinjaValue, _ name: String) throws -> JinjaValue {
        switch object {
        case .undefined(let message):
            throw JinjaRuntimeError(message)
        case .namespace(let namespace):
            return namespace.get(name) ?? .missing(.string(name), of: object)
        case .loop(let loop):
            return loop.attribute(name) ?? .missing(.string(name), of: object)
        case .dict(let dict):
            if let method = JinjaMethods.method(object, name) { return method }
            return dict.value(for: name) ?? .missing(.string(name), of: object)
        default:
            return JinjaMethods.method(object, name) ?? .missing(.string(name), of: object)
        }
    }

    /// `object[key]`: the item first, then (for string keys) the Python attribute.
    func getItem(_ object: JinjaValue, _ key: JinjaValue) throws -> JinjaValue {
        switch object {
        case .undefined(let message):
            throw JinjaRuntimeError(message)
        case .list(let items), .tuple(let items):
            if let i = key.intValue {
                let index = i < 0 ? i + items.count : i
                if index >= 0 && index < items.count { return items[index] }
            }
        case .string(let s):
            if let i = key.intValue {
                let scalars = PythonText.scalars(s)
                let index = i < 0 ? i + scalars.count : i
                if index >= 0 && index < scalars.count { return .string(String(scalars[index])) }
            }
        case .dict(let dict):
            if key.isHashable, let value = dict.value(for: key) { return value }
        default:
            break
        }
        if case .string(let name) = key {
            switch object {
            case .namespace(let namespace): if let v = namespace.get(name) { return v }
            case .loop(let loop): if let v = loop.attribute(name) { return v }
            default: if let method = JinjaMethods.method(object, name) { return method }
            }
        }
        return .missing(key, of: object)
    }

    private func slice(_ object: JinjaValue, _ start: Int?, _ stop: Int?, _ step: Int?) throws -> JinjaValue {
        switch object {
        case .undefined(let message):
            throw JinjaRuntimeError(message)
        case .list(let items):
            return .list(try PythonText.sliceIndices(count: items.count, start: start, stop: stop, step: step).map { items[$0] })
        case .tuple(let items):
            return .tuple(try PythonText.sliceIndices(count: items.count, start: start, stop: stop, step: step).map { items[$0] })
        case .string(let s):
            let scalars = PythonText.scalars(s)
            let indices = try PythonText.sliceIndices(count: scalars.count, start: start, stop: stop, step: step)
            return .string(PythonText.string(indices.map { scalars[$0] }))
        default:
            return .undefined(message: "\(object.objectTypeRepr) cannot be sliced")
        }
    }

    func call(_ function: JinjaValue, _ arguments: JinjaArguments) throws -> JinjaValue {
        switch function {
        case .function(let f):
            return try f.body(arguments)
        case .macro(let macro):
            return try callMacro(macro, arguments)
        case .undefined(let message):
            throw JinjaRuntimeError(message)
        default:
            throw JinjaRuntimeError("TypeError: '\(function.typeName)' object is not callable")
        }
    }

    private func callMacro(_ macro: JinjaMacro, _ arguments: JinjaArguments) throws -> JinjaValue {
        let definition = macro.definition
        guard let closure = macro.closure else {
            throw JinjaRuntimeError("macro '\(definition.name)' called after the render ended")
        }
        if arguments.positional.count > definition.parameters.count {
            throw JinjaRuntimeError("TypeError: macro '\(definition.name)' takes not more than \(definition.parameters.count) argument(s)")
        }
        for keyword in arguments.keywords where !definition.parameters.contains(where: { $0.name == keyword.name }) {
            throw JinjaRuntimeError("TypeError: macro '\(definition.name)' takes no keyword argument '\(keyword.name)'")
        }
        let scope = JinjaScope(parent: closure)
        for (i, parameter) in definition.parameters.enumerated() {
            if let value = arguments.value(i, parameter.name) {
                scope.variables[parameter.name] = value
            } else if let defaultValue = parameter.defaultValue {
                scope.variables[parameter.name] = try evaluate(defaultValue, scope)
            } else {
                scope.variables[parameter.name] = .undefined(message: "parameter \(PythonText.repr(parameter.name)) was not provided")
            }
        }
        var out = ""
        _ = try execute(definition.body, scope, &out)
        return .string(out)
    }

    // MARK: Globals

    private func builtins() -> [String: JinjaValue] {
        let now = self.now
        return [
            "range": .function(JinjaFunction(name: "range") { args in
                try args.check("range", ["start", "stop", "step"])
                let ints = try args.positional.map { v -> Int in
                    guard let i = v.intValue else { throw JinjaRuntimeError("TypeError: '\(v.typeName)' object cannot be interpreted as an integer") }
                    return i
                }
                var start = 0, stop = 0, step = 1
                switch ints.count {
                case 1: stop = ints[0]
                case 2: (start, stop) = (ints[0], ints[1])
                case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
                default: throw JinjaRuntimeError("TypeError: range expected 1 to 3 integer arguments")
                }
                guard step != 0 else { throw JinjaRuntimeError("ValueError: range() arg 3 must not be zero") }
                var values: [JinjaValue] = []
                var i = start
                while step > 0 ? i < stop : i > stop {
                    values.append(.int(i))
                    if values.count > 100_000 {
                        throw JinjaRuntimeError("OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).")
                    }
                    i += step
                }
                return .list(values)
            }),
            "namespace": .function(JinjaFunction(name: "namespace") { args in
                let namespace = JinjaNamespace()
                for value in args.positional {
                    guard case .dict(let d) = value else { throw JinjaRuntimeError("TypeError: namespace() takes a mapping") }
                    for entry in d.entries { namespace.set(entry.key.str, entry.value) }
                }
                for keyword in args.keywords { namespace.set(keyword.name, keyword.value) }
                return .namespace(namespace)
            }),
            "dict": .function(JinjaFunction(name: "dict") { args in
                var dict = JinjaDict()
                for value in args.positional {
                    guard case .dict(let d) = value else { throw JinjaRuntimeError("TypeError: dict() takes a mapping") }
                    for entry in d.entries { dict[entry.key] = entry.value }
                }
                for keyword in args.keywords { dict[.string(keyword.name)] = keyword.value }
                return .dict(dict)
            }),
            "raise_exception": .function(JinjaFunction(name: "raise_exception") { args in
                throw JinjaRuntimeError(args.value(0, "message")?.str ?? "", kind: .raised)
            }),
            "strftime_now": .function(JinjaFunction(name: "strftime_now") { args in
                guard case .string(let format)? = args.value(0, "format") else {
                    throw JinjaRuntimeError("TypeError: strftime_now() argument must be a string")
                }
                return .string(try Strftime.format(now, format))
            }),
        ]
    }
}
