/// An expression of a parsed template, with the position of its first token.
struct Expr: Sendable {
    indirect enum Kind: Sendable {
        case none
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
        case name(String)
        case list([Expr])
        case tuple([Expr])
        case dict([DictItem])
        /// `object.name`
        case attribute(Expr, String)
        /// `object[key]`
        case item(Expr, Expr)
        /// `object[start:stop:step]`
        case slice(Expr, start: Expr?, stop: Expr?, step: Expr?)
        case call(Expr, CallArguments)
        /// `value | name(arguments)`
        case filter(Expr, name: String, CallArguments)
        /// `value is [not] name arguments`
        case test(Expr, name: String, CallArguments, negated: Bool)
        case not(Expr)
        case negate(Expr)
        case plus(Expr)
        case binary(BinaryOperator, Expr, Expr)
        /// `a ~ b ~ c`
        case concat([Expr])
        /// `a == b < c`, chained like Python.
        case compare(Expr, [Comparison])
        /// `then if condition else otherwise` (no `else`: undefined when false)
        case conditional(then: Expr, condition: Expr, otherwise: Expr?)
    }

    let kind: Kind
    let position: TemplatePosition
}

struct DictItem: Sendable {
    let key: Expr
    let value: Expr
}

struct Comparison: Sendable {
    let op: CompareOperator
    let operand: Expr
}

struct CallArguments: Sendable {
    var positional: [Expr] = []
    var keywords: [KeywordArgument] = []

    static let none = CallArguments()
}

struct KeywordArgument: Sendable {
    let name: String
    let value: Expr
}

enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%", power = "**"
    case and, or
}

enum CompareOperator: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case `in` = "in", notIn = "not in"
}

/// What a `{% set %}` or `{% for %}` assigns to.
indirect enum AssignTarget: Sendable {
    case name(String)
    /// `ns.attribute` (only in `set`)
    case namespaceAttribute(String, String)
    case tuple([AssignTarget])
}

/// A template statement, with the position of its tag (or text).
struct Stmt: Sendable {
    indirect enum Kind: Sendable {
        case text(String)
        case output(Expr)
        case `if`([IfBranch], otherwise: [Stmt])
        case `for`(ForLoop)
        case set(AssignTarget, Expr)
        /// `{% set x %}body{% endset %}`, optionally filtered
        case setBlock(AssignTarget, body: [Stmt], filters: [FilterCall])
        case macro(MacroDefinition)
        /// `{% filter name %}body{% endfilter %}`
        case filterBlock(filters: [FilterCall], body: [Stmt])
        /// `{% with a = 1 %}body{% endwith %}`
        case with(assignments: [(AssignTarget, Expr)], body: [Stmt])
        /// transformers' `{% generation %}` tag: renders its body unchanged
        case generation([Stmt])
        case `break`
        case `continue`
    }

    let kind: Kind
    let position: TemplatePosition
}

struct IfBranch: Sendable {
    let condition: Expr
    let body: [Stmt]
}

struct ForLoop: Sendable {
    let target: AssignTarget
    let iterable: Expr
    let condition: Expr?
    let body: [Stmt]
    let otherwise: [Stmt]
}

struct MacroDefinition: Sendable {
    let name: String
    let parameters: [MacroParameter]
    let body: [Stmt]
}

struct MacroParameter: Sendable {
    let name: String
    let defaultValue: Expr?
}

struct FilterCall: Sendable {
    let name: String
    let arguments: CallArguments
    let position: TemplatePosition
}
