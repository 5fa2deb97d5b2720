/// The tests a template may use (`value is name`, `value is not name(args)`), as Jinja 3.1
/// defines them.
enum JinjaPredicates {
    static let names: Set<String> = [
        "defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number", "string",
        "mapping", "iterable", "sequence", "callable", "sameas", "escaped", "in", "odd", "even", "divisibleby",
        "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=",
        "lower", "upper", "filter", "test",
    ]
}

extension JinjaInterpreter {
    func applyTest(_ name: String, _ value: JinjaValue, _ args: JinjaArguments) throws -> Bool {
        func argument() throws -> JinjaValue {
            guard let a = args.positional.first ?? args.keywords.first?.value else {
                throw JinjaRuntimeError("TypeError: test '\(name)' needs an argument")
            }
            return a
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": return value.isNone
        case "boolean":
            if case .bool = value { return true }
            return false
        case "true", "false":
            if case .bool(let b) = value { return b == (name == "true") }
            return false
        case "integer":
            if case .int = value { return true }
            return false
        case "float":
            if case .double = value { return true }
            return false
        case "number":
            return value.isNumber
        case "string":
            return value.stringValue != nil
        case "mapping":
            if case .dict = value { return true }
            return false
        case "iterable":
            switch value {
            case .undefined, .string, .list, .tuple, .dict, .loop: return true
            default: return false
            }
        case "sequence":
            switch value {
            case .undefined, .string, .list, .tuple, .dict: return true
            default: return false
            }
        case "callable":
            switch value {
            case .function, .macro, .undefined: return true
            default: return false
            }
        case "sameas":
            let other = try argument()
            switch (value, other) {
            case (.none, .none): return true
            case (.bool(let a), .bool(let b)): return a == b
            case (.int(let a), .int(let b)): return a == b && (-5...256).contains(a)
            case (.namespace(let a), .namespace(let b)): return a === b
            case (.macro(let a), .macro(let b)): return a === b
            case (.function(let a), .function(let b)): return a === b
            default: return false
            }
        case "escaped":
            return false
        case "in":
            return try JinjaValue.contains(try argument(), value)
        case "odd", "even":
            if case .undefined(let message) = value { throw JinjaRuntimeError(message) }
            let r = try JinjaArithmetic.apply(.modulo, value, .int(2))
            return JinjaValue.equal(r, .int(name == "odd" ? 1 : 0))
        case "divisibleby":
            if case .undefined(let message) = value { throw JinjaRuntimeError(message) }
            return JinjaValue.equal(try JinjaArithmetic.apply(.modulo, value, try argument()), .int(0))
        case "eq", "equalto", "==": return JinjaValue.equal(value, try argument())
        case "ne", "!=": return !JinjaValue.equal(value, try argument())
        case "lt", "lessthan", "<": return try JinjaValue.compare(value, try argument(), op: "<") < 0
        case "le", "<=": return try JinjaValue.compare(value, try argument(), op: "<=") <= 0
        case "gt", "greaterthan", ">": return try JinjaValue.compare(value, try argument(), op: ">") > 0
        case "ge", ">=": return try JinjaValue.compare(value, try argument(), op: ">=") >= 0
        case "lower", "upper":
            let s = value.str
            let cased = s.unicodeScalars.filter { $0.properties.isCased }
            guard !cased.isEmpty else { return false }
            return cased.allSatisfy { name == "lower" ? !$0.properties.isUppercase : !$0.properties.isLowercase }
        case "filter":
            return JinjaFilters.names.contains(try argument().str)
        case "test":
            return JinjaPredicates.names.contains(try argument().str)
        default:
            throw JinjaRuntimeError("no test named '\(name)'")
        }
    }
}
