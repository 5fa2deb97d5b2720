/// Something that finds matches in UTF-8 text: a regex, a literal string or a character
/// predicate. Used by the `Split`, `Digits` and `Metaspace` pre-tokenizers and by `Replace`.
protocol TextPattern: Sendable {
    /// The non-overlapping matches in valid UTF-8 `text`, left to right, as byte ranges.
    func matches(in text: [UInt8]) -> [Range<Int>]

    /// `text` with every match replaced by `content` (`text` itself when nothing matches).
    func replacingMatches(in text: [UInt8], with content: [UInt8]) -> [UInt8]
}

extension TextPattern {
    func replacingMatches(in text: [UInt8], with content: [UInt8]) -> [UInt8] {
        let matches = matches(in: text)
        if matches.isEmpty { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.count + matches.count * max(0, content.count - 1))
        var last = 0
        for m in matches {
            out.append(contentsOf: text[last..<m.lowerBound])
            out.append(contentsOf: content)
            last = m.upperBound
        }
        out.append(contentsOf: text[last...])
        return out
    }
}

/// A piece of text produced by matching a pattern: a byte range and whether it was a match.
struct PatternSpan: Equatable {
    var range: Range<Int>
    var isMatch: Bool
}

extension TextPattern {
    /// Covers the whole text with contiguous spans, alternating between non-matching gaps and
    /// matches, like the Rust library's `Pattern::find_matches` (empty text gives one empty
    /// non-match).
    func spans(in text: [UInt8], invert: Bool = false) -> [PatternSpan] {
        if text.isEmpty { return [PatternSpan(range: 0..<0, isMatch: invert)] }
        var spans: [PatternSpan] = []
        var previous = 0
        for m in matches(in: text) {
            if previous != m.lowerBound {
                spans.append(PatternSpan(range: previous..<m.lowerBound, isMatch: invert))
            }
            spans.append(PatternSpan(range: m, isMatch: !invert))
            previous = m.upperBound
        }
        if previous != text.count {
            spans.append(PatternSpan(range: previous..<text.count, isMatch: invert))
        }
        return spans
    }
}

/// Builds a pattern from its tokenizer.json form. The GPT-2 and the Llama-3 / Qwen2 regexes
/// get hand-written matchers; other regexes fall back to `NSRegularExpression`.
func makePattern(_ spec: PatternSpec, component: String) throws -> any TextPattern {
    switch spec {
    case .literal(let s):
        return LiteralPattern(Array(s.utf8))
    case .regex(let r):
        if r == GPT2Pattern.source { return GPT2Pattern() }
        if r == Llama3Pattern.source { return Llama3Pattern(maxDigits: 3) }
        if r == Llama3Pattern.qwen2Source { return Llama3Pattern(maxDigits: 1) }
        return try RegexPattern(r, component: component)
    }
}

/// Matches every occurrence of a literal byte string (non-overlapping, leftmost first).
/// An empty literal matches nothing.
struct LiteralPattern: TextPattern {
    let needle: [UInt8]

    init(_ needle: [UInt8]) { self.needle = needle }

    func replacingMatches(in text: [UInt8], with content: [UInt8]) -> [UInt8] {
        let m = needle.count
        guard m > 0, text.count >= m else { return text }
        return text.withUnsafeBufferPointer { t in
            needle.withUnsafeBufferPointer { nd in
                content.withUnsafeBufferPointer { c in
                    Self.replace(t, nd, c) ?? text
                }
            }
        }
    }

    /// Appends `text` with every occurrence replaced by `content` to the token being built
    /// in `out`.
    func appendReplacing(_ t: UnsafeBufferPointer<UInt8>, with c: UnsafeBufferPointer<UInt8>,
                         to out: inout TokenList) {
        let m = needle.count
        guard m > 0, t.count >= m else { out.appendBytes(t); return }
        needle.withUnsafeBufferPointer { nd in
            let first = nd[0], last = t.count - m
            var copied = 0
            var i = 0
            while i <= last {
                if t[i] == first {
                    var k = 1
                    while k < m && t[i + k] == nd[k] { k += 1 }
                    if k == m {
                        out.appendBytes(UnsafeBufferPointer(rebasing: t[copied..<i]))
                        out.appendBytes(c)
                        i += m
                        copied = i
                        continue
                    }
                }
                i += 1
            }
            out.appendBytes(UnsafeBufferPointer(rebasing: t[copied...]))
        }
    }

    /// The replaced bytes, or `nil` when the needle does not occur.
    private static func replace(_ t: UnsafeBufferPointer<UInt8>, _ nd: UnsafeBufferPointer<UInt8>,
                                _ c: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let m = nd.count, first = nd[0], last = t.count - m
        var out: [UInt8]? = nil
        var copied = 0  // bytes of t already handled
        var i = 0
        while i <= last {
            if t[i] == first {
                var k = 1
                while k < m && t[i + k] == nd[k] { k += 1 }
                if k == m {
                    if out == nil { out = []; out?.reserveCapacity(t.count + c.count) }
                    out?.append(contentsOf: UnsafeBufferPointer(rebasing: t[copied..<i]))
                    out?.append(contentsOf: c)
                    i += m
                    copied = i
                    continue
                }
            }
            i += 1
        }
        if out != nil { out?.append(contentsOf: UnsafeBufferPointer(rebasing: t[copied...])) }
        return out
    }

    func matches(in text: [UInt8]) -> [Range<Int>] {
        let m = needle.count
        guard m > 0, text.count >= m else { return [] }
        var out: [Range<Int>] = []
        text.withUnsafeBufferPointer { t in
            needle.withUnsafeBufferPointer { nd in
                let first = nd[0]
                var i = 0
                let last = t.count - m
                while i <= last {
                    if t[i] == first {
                        var k = 1
                        while k < m && t[i + k] == nd[k] { k += 1 }
                        if k == m {
                            out.append(i..<(i + m))
                            i += m
                            continue
                        }
                    }
                    i += 1
                }
            }
        }
        return out
    }
}

/// Matches each single character (scalar) for which a predicate holds, like the Rust
/// library's `Fn(char) -> bool` pattern.
struct CharacterPattern: TextPattern {
    let predicate: @Sendable (UInt32) -> Bool

    func matches(in text: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        text.withUnsafeBufferPointer { p in
            var i = 0
            while i < p.count {
                let (s, n) = UTF8Text.decode(p, at: i)
                if predicate(s) { out.append(i..<(i + n)) }
                i += n
            }
        }
        return out
    }
}
