/// Python 3 `str` semantics on Unicode scalars, as Jinja templates see strings.
///
/// Python strings are sequences of code points: lengths, indices and slices count Unicode
/// scalars, and comparisons are by code point, never by canonical equivalence as Swift's
/// `String ==` would do.
enum PythonText {
    typealias Scalars = [Unicode.Scalar]

    static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    static func scalars(_ s: String) -> Scalars { Array(s.unicodeScalars) }

    /// Exact code point equality.
    static func equal(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.elementsEqual(b.unicodeScalars)
    }

    /// Code point order, as Python compares strings.
    static func less(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
    }

    /// Python's `str.isspace()` for one character (also what `\s` matches in `re`).
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    // MARK: Searching

    /// The first index `>= from` where `needle` occurs in `hay`, or nil.
    static func find(_ hay: Scalars, _ needle: Scalars, from: Int = 0) -> Int? {
        let n = hay.count, m = needle.count
        if m == 0 { return from <= n ? from : nil }
        guard n >= m, from <= n - m else { return nil }
        var i = max(from, 0)
        while i <= n - m {
            if hay[i] == needle[0] {
                var k = 1
                while k < m && hay[i + k] == needle[k] { k += 1 }
                if k == m { return i }
            }
            i += 1
        }
        return nil
    }

    /// The last index where `needle` occurs in `hay`, or nil.
    static func rfind(_ hay: Scalars, _ needle: Scalars) -> Int? {
        let n = hay.count, m = needle.count
        if m == 0 { return n }
        guard n >= m else { return nil }
        var i = n - m
        while i >= 0 {
            if hay[i..<(i + m)].elementsEqual(needle) { return i }
            i -= 1
        }
        return nil
    }

    static func contains(_ hay: String, _ needle: String) -> Bool {
        find(scalars(hay), scalars(needle)) != nil
    }

    static func hasPrefix(_ s: String, _ prefix: String) -> Bool {
        s.unicodeScalars.starts(with: prefix.unicodeScalars)
    }

    static func hasSuffix(_ s: String, _ suffix: String) -> Bool {
        s.unicodeScalars.reversed().starts(with: suffix.unicodeScalars.reversed())
    }

    /// Non-overlapping occurrences, as `str.count`.
    static func count(_ hay: String, _ needle: String) -> Int {
        let h = scalars(hay), n = scalars(needle)
        if n.isEmpty { return h.count + 1 }
        var total = 0, i = 0
        while let j = find(h, n, from: i) {
            total += 1
            i = j + n.count
        }
        return total
    }

    // MARK: Stripping and splitting

    static func strip(_ s: String, _ chars: String? = nil, leading: Bool = true, trailing: Bool = true) -> String {
        let a = scalars(s)
        let set: Set<Unicode.Scalar>? = chars.map { Set($0.unicodeScalars) }
        func drop(_ c: Unicode.Scalar) -> Bool { set.map { $0.contains(c) } ?? isSpace(c) }
        var lo = 0, hi = a.count
        if leading { while lo < hi && drop(a[lo]) { lo += 1 } }
        if trailing { while hi > lo && drop(a[hi - 1]) { hi -= 1 } }
        return string(a[lo..<hi])
    }

    /// `str.split(sep, maxsplit)`; `sep == nil` splits on runs of whitespace.
    static func split(_ s: String, _ sep: String?, maxSplit: Int = -1) throws -> [String] {
        let a = scalars(s)
        guard let sep else {
            var parts: [String] = []
            var i = 0
            while i < a.count {
                while i < a.count && isSpace(a[i]) { i += 1 }
                if i == a.count { break }
                if maxSplit >= 0 && parts.count == maxSplit {
                    var end = a.count
                    while end > i && isSpace(a[end - 1]) { end -= 1 }
                    parts.append(string(a[i..<end]))
                    return parts
                }
                let start = i
                while i < a.count && !isSpace(a[i]) { i += 1 }
                parts.append(string(a[start..<i]))
            }
            return parts
        }
        let n = scalars(sep)
        guard !n.isEmpty else { throw JinjaRuntimeError("ValueError: empty separator") }
        var parts: [String] = []
        var i = 0
        while maxSplit < 0 || parts.count < maxSplit, let j = find(a, n, from: i) {
            parts.append(string(a[i..<j]))
            i = j + n.count
        }
        parts.append(string(a[i...]))
        return parts
    }

    /// `str.rsplit(sep, maxsplit)`.
    static func rsplit(_ s: String, _ sep: String?, maxSplit: Int = -1) throws -> [String] {
        if maxSplit < 0 { return try split(s, sep) }
        let reversedParts = try split(string(s.unicodeScalars.reversed()),
                                      sep.map { string($0.unicodeScalars.reversed()) }, maxSplit: maxSplit)
        return reversedParts.reversed().map { string($0.unicodeScalars.reversed()) }
    }

    /// `str.splitlines(keepends)`.
    static func splitLines(_ s: String, keepEnds: Bool = false) -> [String] {
        let a = scalars(s)
        var lines: [String] = []
        var start = 0, i = 0
        while i < a.count {
            var end = i + 1
            switch a[i].value {
            case 0x0D:
                if i + 1 < a.count && a[i + 1] == "\n" { end = i + 2 }
            case 0x0A, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029:
                break
            default:
                i += 1
                continue
            }
            lines.append(string(a[start..<(keepEnds ? end : i)]))
            start = end
            i = end
        }
        if start < a.count { lines.append(string(a[start...])) }
        return lines
    }

    /// `str.replace(old, new, count)`.
    static func replace(_ s: String, _ old: String, _ new: String, count: Int = -1) -> String {
        let a = scalars(s), o = scalars(old), r = scalars(new)
        var out: Scalars = []
        out.reserveCapacity(a.count)
        var done = 0
        if o.isEmpty {
            for c in a {
                if count < 0 || done < count { out += r; done += 1 }
                out.append(c)
            }
            if count < 0 || done < count { out += r }
            return string(out)
        }
        var i = 0
        while count < 0 || done < count, let j = find(a, o, from: i) {
            out += a[i..<j]
            out += r
            i = j + o.count
            done += 1
        }
        out += a[i...]
        return string(out)
    }

    // MARK: Case

    static func upper(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars { out += c.properties.uppercaseMapping }
        return out
    }

    /// `str.lower()`, including Python's final-sigma rule.
    static func lower(_ s: String) -> String {
        let a = scalars(s)
        var out = ""
        for (i, c) in a.enumerated() {
            if c == "\u{03A3}" {
                out += isFinalSigma(a, i) ? "\u{03C2}" : "\u{03C3}"
            } else {
                out += c.properties.lowercaseMapping
            }
        }
        return out
    }

    private static func isFinalSigma(_ a: Scalars, _ i: Int) -> Bool {
        var j = i - 1
        while j >= 0 && a[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0 && a[j].properties.isCased else { return false }
        j = i + 1
        while j < a.count && a[j].properties.isCaseIgnorable { j += 1 }
        return j == a.count || !a[j].properties.isCased
    }

    /// `str.title()`: a cased character after an uncased one is title-cased, others lowered.
    static func title(_ s: String) -> String {
        let a = scalars(s)
        var out = ""
        var previousCased = false
        for (i, c) in a.enumerated() {
            if previousCased {
                out += c == "\u{03A3}" ? (isFinalSigma(a, i) ? "\u{03C2}" : "\u{03C3}") : c.properties.lowercaseMapping
            } else {
                out += c.properties.titlecaseMapping
            }
            previousCased = c.properties.isCased
        }
        return out
    }

    /// `str.capitalize()`: first character title-cased, the rest lowered.
    static func capitalize(_ s: String) -> String {
        let a = scalars(s)
        guard let first = a.first else { return "" }
        return first.properties.titlecaseMapping + lower(string(a.dropFirst()))
    }

    /// Jinja's `title` filter: words start after `-`, whitespace, `(`, `{`, `[` or `<`.
    static func jinjaTitle(_ s: String) -> String {
        func isBoundary(_ c: Unicode.Scalar) -> Bool { "-({[<".unicodeScalars.contains(c) || isSpace(c) }
        var out = ""
        var item: Scalars = []
        func flush() {
            guard let first = item.first else { return }
            out += upper(string([first])) + lower(string(item.dropFirst()))
            item.removeAll()
        }
        for c in s.unicodeScalars {
            if isBoundary(c) {
                flush()
                out.unicodeScalars.append(c)
            } else {
                item.append(c)
            }
        }
        flush()
        return out
    }

    // MARK: repr

    /// Python's `repr()` of a string.
    static func repr(_ s: String) -> String {
        let hasSingle = s.unicodeScalars.contains("'"), hasDouble = s.unicodeScalars.contains("\"")
        let quote: Unicode.Scalar = hasSingle && !hasDouble ? "\"" : "'"
        var out = String.UnicodeScalarView()
        out.append(quote)
        for c in s.unicodeScalars {
            switch c {
            case quote, "\\":
                out.append("\\"); out.append(c)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            default:
                if c.value < 0x20 || c.value == 0x7F {
                    out.append(contentsOf: hexEscape(c.value, "x", 2).unicodeScalars)
                } else if c.value < 0x7F || isPrintable(c) {
                    out.append(c)
                } else if c.value <= 0xFF {
                    out.append(contentsOf: hexEscape(c.value, "x", 2).unicodeScalars)
                } else if c.value <= 0xFFFF {
                    out.append(contentsOf: hexEscape(c.value, "u", 4).unicodeScalars)
                } else {
                    out.append(contentsOf: hexEscape(c.value, "U", 8).unicodeScalars)
                }
            }
        }
        out.append(quote)
        return String(out)
    }

    private static func hexEscape(_ v: UInt32, _ letter: String, _ width: Int) -> String {
        let hex = String(v, radix: 16)
        return "\\" + letter + String(repeating: "0", count: max(0, width - hex.count)) + hex
    }

    /// Python's `str.isprintable()` for one character.
    static func isPrintable(_ c: Unicode.Scalar) -> Bool {
        if c == " " { return true }
        switch c.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    // MARK: Numbers

    /// Python's `repr()` of a float: the shortest round-tripping digits, in fixed notation
    /// when the decimal exponent is in [-4, 16), else `d.ddde±XX`.
    static func floatRepr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        let sign = d < 0 ? "-" : ""
        // Swift's description is also the shortest round-tripping form; take its digits.
        let text = abs(d).description
        var mantissa = Substring(text), exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var intPart = mantissa, fracPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            fracPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = Array(intPart + fracPart)
        var decpt = intPart.count + exponent  // value = 0.digits × 10^decpt
        while let f = digits.first, f == "0" {
            digits.removeFirst()
            decpt -= 1
        }
        while let l = digits.last, l == "0" { digits.removeLast() }
        if digits.isEmpty { return sign + "0.0" }
        let ds = String(digits)
        if decpt <= -4 || decpt > 16 {
            let e = decpt - 1
            let rest = digits.count > 1 ? "." + String(digits.dropFirst()) : ""
            let eDigits = String(abs(e))
            return sign + String(digits[0]) + rest + "e" + (e < 0 ? "-" : "+") + (eDigits.count < 2 ? "0" : "") + eDigits
        }
        if decpt <= 0 { return sign + "0." + String(repeating: "0", count: -decpt) + ds }
        if decpt >= digits.count { return sign + ds + String(repeating: "0", count: decpt - digits.count) + ".0" }
        return sign + String(digits[..<decpt]) + "." + String(digits[decpt...])
    }

    /// Python's `int(text)` for a string: optional sign and surrounding whitespace, digits
    /// with single underscores between them.
    static func parseInt(_ text: String, base: Int = 10) -> Int? {
        var s = Substring(strip(text))
        var negative = false
        if s.first == "+" || s.first == "-" {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        if base == 16, s.lowercased().hasPrefix("0x") { s = s.dropFirst(2) }
        guard !s.isEmpty, s.first != "_", s.last != "_", !s.contains("__") else { return nil }
        let cleaned = s.filter { $0 != "_" }
        guard let v = Int(cleaned, radix: base) else { return nil }
        return negative ? -v : v
    }

    /// Python's `float(text)` for a string.
    static func parseFloat(_ text: String) -> Double? {
        let s = strip(text).lowercased()
        switch s {
        case "nan", "+nan", "-nan": return .nan
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: break
        }
        guard !s.isEmpty, s.allSatisfy({ "0123456789+-.e_".contains($0) }) else { return nil }
        return Double(s.filter { $0 != "_" })
    }

    // MARK: Slices

    /// The indices a Python slice `[start:stop:step]` selects from a sequence of `count` items.
    static func sliceIndices(count: Int, start: Int?, stop: Int?, step: Int?) throws -> [Int] {
        let step = step ?? 1
        guard step != 0 else { throw JinjaRuntimeError("ValueError: slice step cannot be zero") }
        func clamp(_ v: Int?, _ defaultValue: Int, low: Int, high: Int) -> Int {
            guard var v else { return defaultValue }
            if v < 0 { v += count }
            return min(max(v, low), high)
        }
        var result: [Int] = []
        if step > 0 {
            let lo = clamp(start, 0, low: 0, high: count)
            let hi = clamp(stop, count, low: 0, high: count)
            var i = lo
            while i < hi { result.append(i); i += step }
        } else {
            let lo = clamp(start, count - 1, low: -1, high: count - 1)
            let hi = clamp(stop, -1, low: -1, high: count - 1)
            var i = lo
            while i > hi { result.append(i); i += step }
        }
        return result
    }
}
