/// Parses template tokens into statements, following Jinja2's grammar and operator
/// precedence (`jinja2/parser.py`): `or` < `and` < `not` < comparisons < `+ -` < `~` <
/// `* / // %` < `**` < unary `- +` < postfix (`.attr`, `[key]`, calls), filters and tests.
///
/// Unknown filter and test names are checked afterwards by `JinjaValidator`.
struct JinjaParser {
    private let tokens: [JinjaToken]
    private var index = 0
    private var loopDepth = 0

    /// Parses a whole template.
    static func parse(_ source: String) throws -> [Stmt] {
        var parser = JinjaParser(tokens: try JinjaLexer.tokenize(source))
        let (body, _) = try parser.parseBody(until: [], opener: nil)
        try JinjaValidator.check(body)
        return body
    }

    private init(tokens: [JinjaToken]) {
        let endPosition = tokens.last?.position ?? TemplatePosition(line: 1, column: 1)
        self.tokens = tokens + [JinjaToken(kind: .end, position: endPosition)]
    }

    // MARK: Token helpers

    private var current: JinjaToken { tokens[index] }

    private func look(_ offset: Int = 1) -> JinjaToken {
        tokens[min(index + offset, tokens.count - 1)]
    }

    @discardableResult
    private mutating func advance() -> JinjaToken {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    private func isName(_ name: String, _ token: JinjaToken? = nil) -> Bool {
        if case .name(let n) = (token ?? current).kind { return n == name }
        return false
    }

    private func isOp(_ op: String, _ token: JinjaToken? = nil) -> Bool {
        if case .op(let o) = (token ?? current).kind { return o == op }
        return false
    }

    private func fail(_ message: String, _ token: JinjaToken? = nil) -> ChatTemplateError {
        ChatTemplateError(.syntax, message, at: (token ?? current).position)
    }

    private mutating func skipOp(_ op: String) -> Bool {
        guard isOp(op) else { return false }
        advance()
        return true
    }

    private mutating func skipName(_ name: String) -> Bool {
        guard isName(name) else { return false }
        advance()
        return true
    }

    private mutating func expectOp(_ op: String) throws {
        guard skipOp(op) else { throw fail("expected '\(op)', got \(current.describe)") }
    }

    private mutating func expectName() throws -> String {
        guard case .name(let n) = current.kind else { throw fail("expected a name, got \(current.describe)") }
        advance()
        return n
    }

    private mutating func expectBlockEnd() throws {
        guard current.kind == .blockEnd else { throw fail("expected end of statement block ('%}'), got \(current.describe)") }
        advance()
    }

    // MARK: Statements

    /// Parses statements up to a `{% tag %}` whose name is in `endTags`; returns them and
    /// that tag's name, leaving the parser on the name token.
    private mutating func parseBody(until endTags: Set<String>, opener: (name: String, position: TemplatePosition)?) throws -> ([Stmt], String?) {
        var body: [Stmt] = []
        while true {
            let token = current
            switch token.kind {
            case .text(let text):
                advance()
                body.append(Stmt(kind: .text(text), position: token.position))
            case .variableBegin:
                advance()
                let expr = try parseTuple()
                guard current.kind == .variableEnd else {
                    throw fail("expected end of print statement ('}}'), got \(current.describe)")
                }
                advance()
                body.append(Stmt(kind: .output(expr), position: token.position))
            case .blockBegin:
                if case .name(let tag) = look().kind, endTags.contains(tag) {
                    advance()
                    return (body, tag)
                }
                body.append(try parseStatement(expecting: endTags, opener: opener))
            case .end:
                if let opener {
                    let expected = endTags.sorted().map { "'\($0)'" }.joined(separator: " or ")
                    throw ChatTemplateError(.syntax, "unexpected end of template: expected \(expected) to close the '\(opener.name)' tag", at: opener.position)
                }
                return (body, nil)
            default:
                throw fail("unexpected \(token.describe)")
            }
        }
    }

    private mutating func parseStatement(expecting endTags: Set<String>, opener: (name: String, position: TemplatePosition)?) throws -> Stmt {
        advance()  // {%
        let tagToken = current
        guard case .name(let tag) = tagToken.kind else { throw fail("expected a tag name, got \(current.describe)") }
        let position = tagToken.position
        advance()
        switch tag {
        case "for": return try parseFor(position)
        case "if": return try parseIf(position)
        case "set": return try parseSet(position)
        case "macro": return try parseMacro(position)
        case "filter": return try parseFilterBlock(position)
        case "with": return try parseWith(position)
        case "generation":
            try expectBlockEnd()
            let (body, _) = try parseBody(until: ["endgeneration"], opener: ("generation", position))
            advance()
            try expectBlockEnd()
            return Stmt(kind: .generation(body), position: position)
        case "break", "continue":
            guard loopDepth > 0 else { throw ChatTemplateError(.syntax, "'\(tag)' outside of a loop", at: position) }
            try expectBlockEnd()
            return Stmt(kind: tag == "break" ? .break : .continue, position: position)
        case "block", "extends", "include", "import", "from", "call", "autoescape", "do", "trans":
            throw ChatTemplateError(.syntax, "the '\(tag)' tag is not supported in chat templates", at: position)
        default:
            if tag.hasPrefix("end") || tag == "elif" || tag == "else" {
                if let opener {
                    let expected = endTags.sorted().map { "'\($0)'" }.joined(separator: " or ")
                    throw ChatTemplateError(.syntax, "unexpected '\(tag)': expected \(expected) for the '\(opener.name)' tag at \(opener.position)", at: position)
                }
                throw ChatTemplateError(.syntax, "unexpected '\(tag)' without an opening tag", at: position)
            }
            throw ChatTemplateError(.syntax, "unknown tag '\(tag)'", at: position)
        }
    }

    private mutating func parseFor(_ position: TemplatePosition) throws -> Stmt {
        let target = try parseAssignTarget(namespace: false)
        guard skipName("in") else { throw fail("expected 'in' in the for loop, got \(current.describe)") }
        let iterable = try parseTuple(withCondexpr: false, extraEndNames: ["recursive"])
        var condition: Expr?
        if skipName("if") { condition = try parseExpression() }
        if isName("recursive") { throw fail("recursive for loops are not supported") }
        try expectBlockEnd()
        loopDepth += 1
        let (body, end) = try parseBody(until: ["endfor", "else"], opener: ("for", position))
        loopDepth -= 1
        advance()
        var otherwise: [Stmt] = []
        if end == "else" {
            try expectBlockEnd()
            (otherwise, _) = try parseBody(until: ["endfor"], opener: ("for", position))
            advance()
        }
        try expectBlockEnd()
        return Stmt(kind: .for(ForLoop(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise)), position: position)
    }

    private mutating func parseIf(_ position: TemplatePosition) throws -> Stmt {
        var branches: [IfBranch] = []
        var otherwise: [Stmt] = []
        while true {
            let condition = try parseTuple(withCondexpr: false)
            try expectBlockEnd()
            let (body, end) = try parseBody(until: ["elif", "else", "endif"], opener: ("if", position))
            advance()
            branches.append(IfBranch(condition: condition, body: body))
            if end == "elif" { continue }
            if end == "else" {
                try expectBlockEnd()
                (otherwise, _) = try parseBody(until: ["endif"], opener: ("if", position))
                advance()
            }
            try expectBlockEnd()
            return Stmt(kind: .if(branches, otherwise: otherwise), position: position)
        }
    }

    private mutating func parseSet(_ position: TemplatePosition) throws -> Stmt {
        let target = try parseAssignTarget(namespace: true)
        if skipOp("=") {
            let value = try parseTuple()
            try expectBlockEnd()
            return Stmt(kind: .set(target, value), position: position)
        }
        let filters = try parseFilterChain(inline: false)
        try expectBlockEnd()
        let (body, _) = try parseBody(until: ["endset"], opener: ("set", position))
        advance()
        try expectBlockEnd()
        return Stmt(kind: .setBlock(target, body: body, filters: filters), position: position)
    }

    private mutating func parseMacro(_ position: TemplatePosition) throws -> Stmt {
        let name = try expectName()
        try expectOp("(")
        var parameters: [MacroParameter] = []
        while !isOp(")") {
            if !parameters.isEmpty { try expectOp(",") }
            if isOp(")") { break }
            let pname = try expectName()
            var defaultValue: Expr?
            if skipOp("=") { defaultValue = try parseExpression() }
            else if parameters.contains(where: { $0.defaultValue != nil }) {
                throw fail("non-default argument '\(pname)' follows a default argument")
            }
            parameters.append(MacroParameter(name: pname, defaultValue: defaultValue))
        }
        advance()
        try expectBlockEnd()
        let savedDepth = loopDepth
        loopDepth = 0
        let (body, _) = try parseBody(until: ["endmacro"], opener: ("macro", position))
        loopDepth = savedDepth
        advance()
        try expectBlockEnd()
        return Stmt(kind: .macro(MacroDefinition(name: name, parameters: parameters, body: body)), position: position)
    }

    private mutating func parseFilterBlock(_ position: TemplatePosition) throws -> Stmt {
        let filters = try parseFilterChain(inline: true)
        try expectBlockEnd()
        let (body, _) = try parseBody(until: ["endfilter"], opener: ("filter", position))
        advance()
        try expectBlockEnd()
        return Stmt(kind: .filterBlock(filters: filters, body: body), position: position)
    }

    private mutating func parseWith(_ position: TemplatePosition) throws -> Stmt {
        var assignments: [(AssignTarget, Expr)] = []
        while current.kind != .blockEnd {
            if !assignments.isEmpty { try expectOp(",") }
            let target = try parseAssignTarget(namespace: false)
            try expectOp("=")
            assignments.append((target, try parseExpression()))
        }
        advance()
        let (body, _) = try parseBody(until: ["endwith"], opener: ("with", position))
        advance()
        try expectBlockEnd()
        return Stmt(kind: .with(assignments: assignments, body: body), position: position)
    }

    /// `name`, `a, b`, `(a, b)` or (in `set`) `ns.attribute`.
    private mutating func parseAssignTarget(namespace: Bool) throws -> AssignTarget {
        if namespace, case .name(let n) = current.kind, isOp(".", look()) {
            advance()
            advance()
            return .namespaceAttribute(n, try expectName())
        }
        var names: [AssignTarget] = []
        var isTuple = false
        let parenthesized = skipOp("(")
        while true {
            if !names.isEmpty {
                guard skipOp(",") else { break }
                isTuple = true
                if case .name = current.kind {} else { break }
            }
            guard case .name(let n) = current.kind, !["in", "if", "recursive"].contains(n) else {
                throw fail("expected a name to assign to, got \(current.describe)")
            }
            advance()
            names.append(.name(n))
        }
        if parenthesized {
            try expectOp(")")
            isTuple = true
        }
        return isTuple ? .tuple(names) : names[0]
    }

    // MARK: Expressions

    /// Jinja's `parse_tuple`: one expression, or a tuple if there are commas.
    private mutating func parseTuple(withCondexpr: Bool = true, extraEndNames: Set<String> = [], explicitParentheses: Bool = false) throws -> Expr {
        let position = current.position
        var items: [Expr] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectOp(",") }
            if isTupleEnd(extraEndNames) { break }
            items.append(try parseExpression(withCondexpr: withCondexpr))
            if isOp(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let only = items.first { return only }
            if !explicitParentheses { throw fail("expected an expression, got \(current.describe)") }
        }
        return Expr(kind: .tuple(items), position: position)
    }

    private func isTupleEnd(_ extraEndNames: Set<String>) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd, .end: return true
        case .op(")"): return true
        case .name(let n): return extraEndNames.contains(n)
        default: return false
        }
    }

    private mutating func parseExpression(withCondexpr: Bool = true) throws -> Expr {
        withCondexpr ? try parseCondexpr() : try parseOr()
    }

    private mutating func parseCondexpr() throws -> Expr {
        var expr = try parseOr()
        while isName("if") {
            let position = current.position
            advance()
            let condition = try parseOr()
            var otherwise: Expr?
            if skipName("else") { otherwise = try parseCondexpr() }
            expr = Expr(kind: .conditional(then: expr, condition: condition, otherwise: otherwise), position: position)
        }
        return expr
    }

    private mutating func parseOr() throws -> Expr {
        var left = try parseAnd()
        while isName("or") {
            let position = current.position
            advance()
            left = Expr(kind: .binary(.or, left, try parseAnd()), position: position)
        }
        return left
    }

    private mutating func parseAnd() throws -> Expr {
        var left = try parseNot()
        while isName("and") {
            let position = current.position
            advance()
            left = Expr(kind: .binary(.and, left, try parseNot()), position: position)
        }
        return left
    }

    private mutating func parseNot() throws -> Expr {
        if isName("not") {
            let position = current.position
            advance()
            return Expr(kind: .not(try parseNot()), position: position)
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> Expr {
        let position = current.position
        let first = try parseMath1()
        var comparisons: [Comparison] = []
        while true {
            if case .op(let o) = current.kind, let op = CompareOperator(rawValue: o), op != .in, op != .notIn {
                advance()
                comparisons.append(Comparison(op: op, operand: try parseMath1()))
            } else if isName("in") {
                advance()
                comparisons.append(Comparison(op: .in, operand: try parseMath1()))
            } else if isName("not") && isName("in", look()) {
                advance()
                advance()
                comparisons.append(Comparison(op: .notIn, operand: try parseMath1()))
            } else {
                break
            }
        }
        return comparisons.isEmpty ? first : Expr(kind: .compare(first, comparisons), position: position)
    }

    private mutating func parseMath1() throws -> Expr {
        var left = try parseConcat()
        while isOp("+") || isOp("-") {
            let token = advance()
            let op: BinaryOperator = isOp("+", token) ? .add : .subtract
            left = Expr(kind: .binary(op, left, try parseConcat()), position: token.position)
        }
        return left
    }

    private mutating func parseConcat() throws -> Expr {
        let position = current.position
        var items = [try parseMath2()]
        while skipOp("~") { items.append(try parseMath2()) }
        return items.count == 1 ? items[0] : Expr(kind: .concat(items), position: position)
    }

    private mutating func parseMath2() throws -> Expr {
        var left = try parsePow()
        while true {
            let op: BinaryOperator
            if isOp("*") { op = .multiply } else if isOp("/") { op = .divide }
            else if isOp("//") { op = .floorDivide } else if isOp("%") { op = .modulo } else { break }
            let token = advance()
            left = Expr(kind: .binary(op, left, try parsePow()), position: token.position)
        }
        return left
    }

    private mutating func parsePow() throws -> Expr {
        var left = try parseUnary()
        while isOp("**") {
            let token = advance()
            left = Expr(kind: .binary(.power, left, try parseUnary()), position: token.position)
        }
        return left
    }

    private mutating func parseUnary(withFilter: Bool = true) throws -> Expr {
        let position = current.position
        var node: Expr
        if skipOp("-") {
            node = Expr(kind: .negate(try parseUnary(withFilter: false)), position: position)
        } else if skipOp("+") {
            node = Expr(kind: .plus(try parseUnary(withFilter: false)), position: position)
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilter { node = try parseFilterExpr(node) }
        return node
    }

    private mutating func parsePrimary() throws -> Expr {
        let token = current
        let position = token.position
        switch token.kind {
        case .name(let n):
            advance()
            switch n {
            case "true", "True": return Expr(kind: .bool(true), position: position)
            case "false", "False": return Expr(kind: .bool(false), position: position)
            case "none", "None": return Expr(kind: .none, position: position)
            default: return Expr(kind: .name(n), position: position)
            }
        case .string(var s):
            advance()
            while case .string(let more) = current.kind {
                s += more
                advance()
            }
            return Expr(kind: .string(s), position: position)
        case .integer(let v):
            advance()
            return Expr(kind: .int(v), position: position)
        case .float(let v):
            advance()
            return Expr(kind: .double(v), position: position)
        case .op("("):
            advance()
            let expr = try parseTuple(explicitParentheses: true)
            try expectOp(")")
            return expr
        case .op("["):
            advance()
            var items: [Expr] = []
            while !isOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("]") { break }
                items.append(try parseExpression())
            }
            advance()
            return Expr(kind: .list(items), position: position)
        case .op("{"):
            advance()
            var items: [DictItem] = []
            while !isOp("}") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("}") { break }
                let key = try parseExpression()
                try expectOp(":")
                items.append(DictItem(key: key, value: try parseExpression()))
            }
            advance()
            return Expr(kind: .dict(items), position: position)
        default:
            throw fail("unexpected \(token.describe)")
        }
    }

    private mutating func parsePostfix(_ start: Expr) throws -> Expr {
        var node = start
        while true {
            if isOp(".") || isOp("[") {
                node = try parseSubscript(node)
            } else if isOp("(") {
                node = Expr(kind: .call(node, try parseCallArguments()), position: node.position)
            } else {
                return node
            }
        }
    }

    private mutating func parseFilterExpr(_ start: Expr) throws -> Expr {
        var node = start
        while true {
            if isOp("|") {
                for filter in try parseFilterChain(inline: false) {
                    node = Expr(kind: .filter(node, name: filter.name, filter.arguments), position: filter.position)
                }
            } else if isName("is") {
                node = try parseTest(node)
            } else if isOp("(") {
                node = Expr(kind: .call(node, try parseCallArguments()), position: node.position)
            } else {
                return node
            }
        }
    }

    private mutating func parseSubscript(_ node: Expr) throws -> Expr {
        let token = advance()
        if isOp(".", token) {
            let nameToken = current
            switch nameToken.kind {
            case .name(let n):
                advance()
                return Expr(kind: .attribute(node, n), position: node.position)
            case .integer(let v):
                advance()
                return Expr(kind: .item(node, Expr(kind: .int(v), position: nameToken.position)), position: node.position)
            default:
                throw fail("expected a name or number after '.', got \(nameToken.describe)")
            }
        }
        // `[`
        var args: [Expr] = []
        var slice: (Expr?, Expr?, Expr?)?
        while !isOp("]") {
            if !args.isEmpty || slice != nil { try expectOp(",") }
            let position = current.position
            let (item, sliceParts) = try parseSubscribed()
            if let sliceParts {
                if !args.isEmpty || slice != nil { throw ChatTemplateError(.syntax, "multi-dimensional slices are not supported", at: position) }
                slice = sliceParts
            } else if let item {
                if slice != nil { throw ChatTemplateError(.syntax, "multi-dimensional slices are not supported", at: position) }
                args.append(item)
            }
        }
        advance()
        if let slice {
            let (start, stop, step) = slice
            return Expr(kind: .slice(node, start: start, stop: stop, step: step), position: node.position)
        }
        guard !args.isEmpty else { throw ChatTemplateError(.syntax, "expected a subscript inside '[]'", at: token.position) }
        let key = args.count == 1 ? args[0] : Expr(kind: .tuple(args), position: args[0].position)
        return Expr(kind: .item(node, key), position: node.position)
    }

    /// One subscript: an expression, or a slice `start:stop:step` (parts optional).
    private mutating func parseSubscribed() throws -> (Expr?, (Expr?, Expr?, Expr?)?) {
        var start: Expr?
        if isOp(":") {
            advance()
        } else {
            let expr = try parseExpression()
            guard isOp(":") else { return (expr, nil) }
            advance()
            start = expr
        }
        var stop: Expr?
        if !isOp(":") && !isOp("]") && !isOp(",") { stop = try parseExpression() }
        var step: Expr?
        if skipOp(":") {
            if !isOp("]") && !isOp(",") { step = try parseExpression() }
        }
        return (nil, (start, stop, step))
    }

    private mutating func parseCallArguments() throws -> CallArguments {
        try expectOp("(")
        var arguments = CallArguments()
        while !isOp(")") {
            if !arguments.positional.isEmpty || !arguments.keywords.isEmpty { try expectOp(",") }
            if isOp(")") { break }
            if isOp("*") || isOp("**") { throw fail("*args and **kwargs in calls are not supported") }
            if case .name(let n) = current.kind, isOp("=", look()) {
                advance()
                advance()
                arguments.keywords.append(KeywordArgument(name: n, value: try parseExpression()))
            } else {
                if !arguments.keywords.isEmpty { throw fail("positional argument follows keyword argument") }
                arguments.positional.append(try parseExpression())
            }
        }
        advance()
        return arguments
    }

    /// `| name(args) | name2 …` (with `inline`, the first filter has no leading `|`).
    private mutating func parseFilterChain(inline: Bool) throws -> [FilterCall] {
        var filters: [FilterCall] = []
        var first = inline
        while first || isOp("|") {
            if !first { advance() }
            first = false
            let nameToken = current
            var name = try expectName()
            while isOp("."), case .name(let more) = look().kind {
                advance()
                advance()
                name += "." + more
            }
            let arguments = isOp("(") ? try parseCallArguments() : .none
            filters.append(FilterCall(name: name, arguments: arguments, position: nameToken.position))
        }
        return filters
    }

    private mutating func parseTest(_ node: Expr) throws -> Expr {
        advance()  // is
        let negated = skipName("not")
        let nameToken = current
        var name = try expectName()
        while isOp("."), case .name(let more) = look().kind {
            advance()
            advance()
            name += "." + more
        }
        var arguments = CallArguments()
        if isOp("(") {
            arguments = try parseCallArguments()
        } else {
            var takesArgument = false
            switch current.kind {
            case .name(let n): takesArgument = !["else", "or", "and"].contains(n)
            case .string, .integer, .float, .op("("), .op("["), .op("{"): takesArgument = true
            default: break
            }
            if takesArgument {
                if isName("is") { throw fail("you cannot chain multiple tests with 'is'") }
                arguments.positional = [try parsePostfix(try parsePrimary())]
            }
        }
        return Expr(kind: .test(node, name: name, arguments, negated: negated), position: nameToken.position)
    }
}
