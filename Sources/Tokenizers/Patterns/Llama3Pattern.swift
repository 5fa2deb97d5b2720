/// A hand-written matcher equal to the Llama-3 pre-tokenization regex (as run by Oniguruma
/// in the Rust library), and to Qwen2's variant that takes one digit at a time:
///
///     (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
///
/// `(?i:…)` uses Unicode case folding, so `'ſ` (U+017F LATIN SMALL LETTER LONG S) matches `'s`.
struct Llama3Pattern: TextPattern {
    /// Llama-3's regex source (`\p{N}{1,3}`).
    static let source = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// Qwen2's regex source (`\p{N}`).
    static let qwen2Source = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// How many digits one match may take (3 for Llama-3, 1 for Qwen2).
    let maxDigits: Int

    func matches(in text: [UInt8]) -> [Range<Int>] {
        let maxDigits = self.maxDigits
        return DecodedText(text).findAll { s, c, i in
            Self.matchEnd(s, c, i, maxDigits: maxDigits)
        }
    }

    /// ASCII lower case plus the one non-ASCII scalar that case-folds onto a letter used here.
    @inline(__always)
    static func folded(_ v: UInt32) -> UInt32 {
        if v >= 0x41 && v <= 0x5A { return v + 0x20 }
        if v == 0x17F { return 0x73 }  // ſ → s
        return v
    }

    @inline(__always)
    static func isNewline(_ v: UInt32) -> Bool { v == 0x0A || v == 0x0D }

    /// The end (scalar index) of the match starting at `i`; every position matches something.
    static func matchEnd(_ s: UnsafeBufferPointer<UInt32>, _ c: UnsafeBufferPointer<UInt8>, _ i: Int,
                         maxDigits: Int) -> Int? {
        let n = s.count
        let first = s[i]
        let letter = CharacterClass.letter, number = CharacterClass.number
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if first == 0x27, i + 1 < n {
            let a = folded(s[i + 1])
            if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return i + 2 }
            if i + 2 < n {
                let b = folded(s[i + 2])
                if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) {
                    return i + 3
                }
            }
        }
        let c0 = c[i]
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if c0 & letter != 0 {
            return GPT2Pattern.run(c, from: i) { $0 & letter != 0 }
        }
        if c0 & number == 0, !isNewline(first), i + 1 < n, c[i + 1] & letter != 0 {
            return GPT2Pattern.run(c, from: i + 1) { $0 & letter != 0 }
        }
        // \p{N}{1,maxDigits}
        if c0 & number != 0 {
            var k = i + 1
            while k < n && k - i < maxDigits && c[k] & number != 0 { k += 1 }
            return k
        }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        let j = (first == 0x20 && i + 1 < n && GPT2Pattern.isOther(c[i + 1])) ? i + 1 : i
        if GPT2Pattern.isOther(c[j]) {
            var k = GPT2Pattern.run(c, from: j, GPT2Pattern.isOther)
            while k < n && isNewline(s[k]) { k += 1 }
            return k
        }
        // Here s[i] is whitespace.
        let k = GPT2Pattern.run(c, from: i) { $0 & CharacterClass.whitespace != 0 }
        // \s*[\r\n]+ : up to and including the last line break of the whitespace run.
        var p = k - 1
        while p >= i {
            if isNewline(s[p]) { return p + 1 }
            p -= 1
        }
        // \s+(?!\S)|\s+
        if k == n || k - i < 2 { return k }
        return k - 1
    }
}
