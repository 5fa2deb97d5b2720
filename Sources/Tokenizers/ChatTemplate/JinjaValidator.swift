/// Rejects unknown filters and tests the way Jinja's compiler does: at compile time, except
/// inside an `if` statement or an inline `a if b else c` (a "soft frame"), where the error is
/// left to render time and only happens if that code runs. Loop, macro, `with`, `set` and
/// `filter` bodies start a new frame, where the check is strict again.
enum JinjaValidator {
    static func check(_ body: [Stmt]) throws {
        try check(body, soft: false)
    }

    private static func check(_ body: [Stmt], soft: Bool) throws {
        for stmt in body { try check(stmt, soft: soft) }
    }

    private static func check(_ stmt: Stmt, soft: Bool) throws {
        switch stmt.kind {
        case .text, .break, .continue:
            break
        case .output(let e):
            try check(e, soft: soft)
        case .if(let branches, let otherwise):
            for branch in branches {
                try check(branch.condition, soft: true)
                try check(branch.body, soft: true)
            }
            try check(otherwise, soft: true)
        case .for(let loop):
            try check(loop.iterable, soft: soft)
            if let condition = loop.condition { try check(condition, soft: false) }
            try check(loop.body, soft: false)
            try check(loop.otherwise, soft: false)
        case .set(_, let e):
            try check(e, soft: soft)
        case .setBlock(_, let body, let filters):
            try check(body, soft: false)
            try check(filters, soft: false)
        case .macro(let definition):
            for p in definition.parameters { if let d = p.defaultValue { try check(d, soft: false) } }
            try check(definition.body, soft: false)
        case .filterBlock(let filters, let body):
            try check(filters, soft: false)
            try check(body, soft: false)
        case .with(let assignments, let body):
            for (_, e) in assignments { try check(e, soft: false) }
            try check(body, soft: false)
        case .generation(let body):
            try check(body, soft: false)
        }
    }

    private static func check(_ filters: [FilterCall], soft: Bool) throws {
        for f in filters {
            if !soft && !JinjaFilters.names.contains(f.name) {
                throw ChatTemplateError(.syntax, "no filter named '\(f.name)'", at: f.position)
            }
            try check(f.arguments, soft: soft)
        }
    }

    private static func check(_ arguments: CallArguments, soft: Bool) throws {
        for e in arguments.positional { try check(e, soft: soft) }
        for k in arguments.keywords { try check(k.value, soft: soft) }
    }

    private static func check(_ expr: Expr, soft: Bool) throws {
        switch expr.kind {
        case .none, .bool, .int, .double, .string, .name:
            break
        case .list(let items), .tuple(let items), .concat(let items):
            for e in items { try check(e, soft: soft) }
        case .dict(let items):
            for item in items {
                try check(item.key, soft: soft)
                try check(item.value, soft: soft)
            }
        case .attribute(let e, _), .not(let e), .negate(let e), .plus(let e):
            try check(e, soft: soft)
        case .item(let a, let b), .binary(_, let a, let b):
            try check(a, soft: soft)
            try check(b, soft: soft)
        case .slice(let e, let start, let stop, let step):
            try check(e, soft: soft)
            for part in [start, stop, step] { if let part { try check(part, soft: soft) } }
        case .call(let e, let arguments):
            try check(e, soft: soft)
            try check(arguments, soft: soft)
        case .filter(let e, let name, let arguments):
            if !soft && !JinjaFilters.names.contains(name) {
                throw ChatTemplateError(.syntax, "no filter named '\(name)'", at: expr.position)
            }
            try check(e, soft: soft)
            try check(arguments, soft: soft)
        case .test(let e, let name, let arguments, _):
            if !soft && !JinjaPredicates.names.contains(name) {
                throw ChatTemplateError(.syntax, "no test named '\(name)'", at: expr.position)
            }
            try check(e, soft: soft)
            try check(arguments, soft: soft)
        case .compare(let e, let comparisons):
            try check(e, soft: soft)
            for c in comparisons { try check(c.operand, soft: soft) }
        case .conditional(let then, let condition, let otherwise):
            try check(then, soft: true)
            try check(condition, soft: true)
            if let otherwise { try check(otherwise, soft: true) }
        }
    }
}
