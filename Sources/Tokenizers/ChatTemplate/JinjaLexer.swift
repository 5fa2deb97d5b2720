/// One token of a Jinja template.
struct JinjaToken: Sendable {
    enum Kind: Sendable, Equatable {
        /// Template text outside tags, already whitespace-controlled.
        case text(String)
        case variableBegin, variableEnd, blockBegin, blockEnd
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        case op(String)
        case end
    }

    let kind: Kind
    let position: TemplatePosition

    /// How Jinja names the token in "expected ..." messages.
    var describe: String {
        switch kind {
        case .text: return "template data"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "end of print statement"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "end of statement block"
        case .name(let n): return "'\(n)'"
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .op(let o): return "'\(o)'"
        case .end: return "end of template"
        }
    }
}

/// Splits a template into tokens exactly like Jinja2's lexer with the settings transformers
/// uses (`trim_blocks=True, lstrip_blocks=True`, `keep_trailing_newline=False`):
///
/// - newlines (`\r\n`, `\r`) become `\n` and one trailing newline of the template is dropped;
/// - `{%-`, `{{-`, `{#-` strip all whitespace before the tag, `-%}`, `-}}`, `-#}` all after it;
/// - trim_blocks: a block or comment tag's `%}`/`#}` eats one directly following newline
///   (unless written `+%}`);
/// - lstrip_blocks: spaces and tabs between the start of a line and a block or comment tag are
///   removed (unless written `{%+`); `{{` is not affected.
struct JinjaLexer {
    private let s: [Unicode.Scalar]
    private var lineStarts: [Int] = [0]
    private var tokens: [JinjaToken] = []
    private var brackets: [(closer: Unicode.Scalar, position: TemplatePosition)] = []

    /// Tokenizes `source`.
    static func tokenize(_ source: String) throws -> [JinjaToken] {
        var lexer = JinjaLexer(normalizing: source)
        try lexer.run()
        return lexer.tokens
    }

    private init(normalizing source: String) {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(source.unicodeScalars.count)
        var previousCR = false
        for c in source.unicodeScalars {
            if c == "\r" {
                out.append("\n")
                previousCR = true
                continue
            }
            if c == "\n" && previousCR {
                previousCR = false
                continue
            }
            previousCR = false
            out.append(c)
        }
        if out.last == "\n" { out.removeLast() }
        s = out
        for (i, c) in s.enumerated() where c == "\n" { lineStarts.append(i + 1) }
    }

    private func position(_ index: Int) -> TemplatePosition {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return TemplatePosition(line: lo + 1, column: index - lineStarts[lo] + 1)
    }

    private func error(_ message: String, at index: Int) -> ChatTemplateError {
        ChatTemplateError(.syntax, message, at: position(index))
    }

    private func at(_ i: Int, _ literal: String) -> Bool {
        var k = i
        for c in literal.unicodeScalars {
            guard k < s.count, s[k] == c else { return false }
            k += 1
        }
        return true
    }

    private func skipSpace(_ i: Int) -> Int {
        var k = i
        while k < s.count && PythonText.isSpace(s[k]) { k += 1 }
        return k
    }

    private mutating func emit(_ kind: JinjaToken.Kind, _ index: Int) {
        tokens.append(JinjaToken(kind: kind, position: position(index)))
    }

    // MARK: Root state

    private mutating func run() throws {
        var i = 0
        var lineStarting = true
        while i < s.count {
            // The next tag start: `{{`, `{%` or `{#`.
            var j = i
            while j + 1 < s.count && !(s[j] == "{" && (s[j + 1] == "{" || s[j + 1] == "%" || s[j + 1] == "#")) {
                j += 1
            }
            if j + 1 >= s.count {
                emit(.text(PythonText.string(s[i...])), i)
                return
            }
            let kind = s[j + 1]
            var k = j + 2
            var sign: Unicode.Scalar?
            if k < s.count && (s[k] == "-" || s[k] == "+") {
                sign = s[k]
                k += 1
            }
            let rawStart = kind == "%" ? rawBegin(k) : nil
            // Whitespace control of the text before the tag.
            var text = s[i..<j]
            if sign == "-" {
                var end = text.endIndex
                while end > text.startIndex && PythonText.isSpace(s[end - 1]) { end -= 1 }
                text = s[i..<end]
            } else if sign != "+" && kind != "{" {
                let lineStart = (text.lastIndex(of: "\n").map { $0 + 1 }) ?? text.startIndex
                if lineStart > text.startIndex || lineStarting {
                    if s[lineStart..<j].allSatisfy({ $0 == " " || $0 == "\t" }) {
                        text = s[i..<lineStart]
                    }
                }
            }
            if !text.isEmpty { emit(.text(PythonText.string(text)), i) }

            if let rawStart {
                (i, lineStarting) = try lexRaw(from: rawStart, tagStart: j)
            } else if kind == "#" {
                (i, lineStarting) = try lexComment(from: k, tagStart: j)
            } else {
                emit(kind == "{" ? .variableBegin : .blockBegin, j)
                (i, lineStarting) = try lexTag(from: k, tagStart: j, isBlock: kind == "%")
            }
        }
    }

    /// If a `{% raw %}` tag starts here (after `{%` and its sign), the index after it.
    private func rawBegin(_ k: Int) -> Int? {
        var p = skipSpace(k)
        guard at(p, "raw") else { return nil }
        p = skipSpace(p + 3)
        if at(p, "-%}") { return skipSpace(p + 3) }
        if at(p, "%}") { return p + 2 }
        return nil
    }

    /// The body of `{% raw %}…{% endraw %}` becomes text; returns the index after `endraw`'s tag.
    private mutating func lexRaw(from start: Int, tagStart: Int) throws -> (Int, Bool) {
        var p = start
        while p + 1 < s.count {
            if s[p] == "{" && s[p + 1] == "%" {
                var q = p + 2
                var sign: Unicode.Scalar?
                if q < s.count && (s[q] == "-" || s[q] == "+") { sign = s[q]; q += 1 }
                q = skipSpace(q)
                if at(q, "endraw") {
                    q = skipSpace(q + 6)
                    var end: Int?
                    var trimmedNewline = false
                    if at(q, "+%}") { end = q + 3 }
                    else if at(q, "-%}") { end = skipSpace(q + 3) }
                    else if at(q, "%}") {
                        end = q + 2
                        if let e = end, e < s.count, s[e] == "\n" { end = e + 1; trimmedNewline = true }
                    }
                    if let end {
                        var text = s[start..<p]
                        if sign == "-" {
                            var e = text.endIndex
                            while e > text.startIndex && PythonText.isSpace(s[e - 1]) { e -= 1 }
                            text = s[start..<e]
                        } else if sign != "+" {
                            let lineStart = (text.lastIndex(of: "\n").map { $0 + 1 }) ?? text.startIndex
                            if lineStart > text.startIndex, s[lineStart..<p].allSatisfy({ $0 == " " || $0 == "\t" }) {
                                text = s[start..<lineStart]
                            }
                        }
                        if !text.isEmpty { emit(.text(PythonText.string(text)), start) }
                        return (end, trimmedNewline || (end > 0 && s[end - 1] == "\n"))
                    }
                }
            }
            p += 1
        }
        throw error("missing end of raw directive ('{% endraw %}')", at: tagStart)
    }

    /// Skips a comment; returns the index after `#}` and whether that ends with a newline.
    private func lexComment(from start: Int, tagStart: Int) throws -> (Int, Bool) {
        var p = start
        while p < s.count {
            if at(p, "+#}") { return (p + 3, false) }
            if at(p, "-#}") {
                let end = skipSpace(p + 3)
                return (end, end > p + 3 && s[end - 1] == "\n")
            }
            if at(p, "#}") {
                if p + 2 < s.count && s[p + 2] == "\n" { return (p + 3, true) }
                return (p + 2, false)
            }
            p += 1
        }
        throw error("missing end of comment tag ('#}')", at: tagStart)
    }

    // MARK: Inside {{ }} and {% %}

    private static let operators: [String] = [
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";",
    ]

    private mutating func lexTag(from start: Int, tagStart: Int, isBlock: Bool) throws -> (Int, Bool) {
        var p = start
        brackets.removeAll()
        let opener = isBlock ? "{%" : "{{"
        let closer = isBlock ? "%}" : "}}"
        while true {
            guard p < s.count else {
                if let open = brackets.last {
                    throw ChatTemplateError(.syntax, "unexpected end of template: '\(open.closer)' was never closed inside the '\(opener)' tag", at: open.position)
                }
                throw error("unterminated '\(opener)' tag: missing '\(closer)'", at: tagStart)
            }
            if brackets.isEmpty {
                if isBlock {
                    if at(p, "+%}") { emit(.blockEnd, p); return (p + 3, false) }
                    if at(p, "-%}") {
                        emit(.blockEnd, p)
                        let end = skipSpace(p + 3)
                        return (end, end > p + 3 && s[end - 1] == "\n")
                    }
                    if at(p, "%}") {
                        emit(.blockEnd, p)
                        if p + 2 < s.count && s[p + 2] == "\n" { return (p + 3, true) }
                        return (p + 2, false)
                    }
                } else {
                    if at(p, "-}}") {
                        emit(.variableEnd, p)
                        let end = skipSpace(p + 3)
                        return (end, end > p + 3 && s[end - 1] == "\n")
                    }
                    if at(p, "}}") { emit(.variableEnd, p); return (p + 2, false) }
                }
            }
            let c = s[p]
            if PythonText.isSpace(c) {
                p += 1
                continue
            }
            if c.properties.numericType == .decimal && c.isASCII {
                p = try lexNumber(p)
                continue
            }
            if c == "_" || (c.isASCII && c.properties.isAlphabetic) || (!c.isASCII && c.properties.isXIDStart) {
                var q = p + 1
                while q < s.count && (s[q] == "_" || (s[q].isASCII && (s[q].properties.isAlphabetic || s[q].properties.numericType == .decimal)) || (!s[q].isASCII && s[q].properties.isXIDContinue)) {
                    q += 1
                }
                emit(.name(PythonText.string(s[p..<q])), p)
                p = q
                continue
            }
            if c == "'" || c == "\"" {
                p = try lexString(p)
                continue
            }
            if let op = Self.operators.first(where: { at(p, $0) }) {
                try trackBracket(op, p)
                emit(.op(op), p)
                p += op.unicodeScalars.count
                continue
            }
            throw error("unexpected character \(PythonText.repr(String(c))) inside the '\(opener)' tag", at: p)
        }
    }

    private mutating func trackBracket(_ op: String, _ p: Int) throws {
        switch op {
        case "(": brackets.append((")", position(p)))
        case "[": brackets.append(("]", position(p)))
        case "{": brackets.append(("}", position(p)))
        case ")", "]", "}":
            guard let open = brackets.popLast() else { throw error("unexpected '\(op)'", at: p) }
            if String(open.closer) != op { throw error("unexpected '\(op)', expected '\(open.closer)'", at: p) }
        default:
            break
        }
    }

    private func isDigit(_ i: Int) -> Bool { i < s.count && s[i].isASCII && s[i].properties.numericType == .decimal }

    /// Jinja's `(\d+_)*\d+` starting at a digit; returns the end index.
    private func digitRun(_ i: Int) -> Int {
        var p = i
        while isDigit(p) {
            while isDigit(p) { p += 1 }
            if p < s.count && s[p] == "_" && isDigit(p + 1) { p += 1 } else { break }
        }
        return p
    }

    private mutating func lexNumber(_ start: Int) throws -> Int {
        var p = digitRun(start)
        var isFloat = false
        // No float directly after a dot (`a.0.1` is two integer subscripts).
        let afterDot = start > 0 && s[start - 1] == "."
        if !afterDot {
            if p < s.count && s[p] == "." && isDigit(p + 1) {
                p = digitRun(p + 1)
                isFloat = true
            }
            if p < s.count && (s[p] == "e" || s[p] == "E") {
                var q = p + 1
                if q < s.count && (s[q] == "+" || s[q] == "-") { q += 1 }
                if isDigit(q) {
                    p = digitRun(q)
                    isFloat = true
                }
            }
        }
        let text = PythonText.string(s[start..<p]).filter { $0 != "_" }
        if isFloat {
            guard let d = Double(text) else { throw error("invalid number \(text)", at: start) }
            emit(.float(d), start)
        } else {
            guard let v = Int(text) else { throw error("integer literal \(text) is too large", at: start) }
            emit(.integer(v), start)
        }
        return p
    }

    /// A string literal with Python escapes (Jinja decodes them with `unicode-escape`).
    private mutating func lexString(_ start: Int) throws -> Int {
        let quote = s[start]
        var p = start + 1
        var out = String.UnicodeScalarView()
        while p < s.count && s[p] != quote {
            let c = s[p]
            guard c == "\\", p + 1 < s.count else {
                out.append(c)
                p += 1
                continue
            }
            let e = s[p + 1]
            p += 2
            switch e {
            case "\n": break
            case "\\", "'", "\"": out.append(e)
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "0"..."7":
                var v = e.value - 0x30
                var n = 1
                while n < 3 && p < s.count && ("0"..."7").contains(s[p]) {
                    v = v * 8 + (s[p].value - 0x30)
                    p += 1
                    n += 1
                }
                guard let scalar = Unicode.Scalar(v) else { throw error("invalid octal escape in string", at: p) }
                out.append(scalar)
            case "x", "u", "U":
                let width = e == "x" ? 2 : (e == "u" ? 4 : 8)
                guard p + width <= s.count else { throw error("truncated \\\(e) escape in string", at: p - 2) }
                let hex = PythonText.string(s[p..<(p + width)])
                guard hex.unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit), let v = UInt32(hex, radix: 16),
                      let scalar = Unicode.Scalar(v) else {
                    throw error("truncated or invalid \\\(e) escape in string", at: p - 2)
                }
                out.append(scalar)
                p += width
            case "N":
                throw error("\\N{...} escapes are not supported", at: p - 2)
            default:
                out.append("\\")
                out.append(e)
            }
        }
        guard p < s.count else { throw error("unterminated string literal", at: start) }
        emit(.string(String(out)), start)
        return p + 1
    }
}
