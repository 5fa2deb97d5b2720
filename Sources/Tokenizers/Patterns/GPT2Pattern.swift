/// A hand-written matcher equal to GPT-2's pre-tokenization regex (as run by Oniguruma in
/// the Rust library):
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
struct GPT2Pattern: TextPattern {
    /// The regex source this matcher implements.
    static let source = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    func matches(in text: [UInt8]) -> [Range<Int>] {
        DecodedText(text).findAll(Self.matchEnd)
    }

    /// The end (scalar index) of the match starting at `i`; every position matches something.
    static func matchEnd(_ s: UnsafeBufferPointer<UInt32>, _ c: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        let n = s.count
        let first = s[i]
        // 's|'t|'re|'ve|'m|'ll|'d
        if first == 0x27, i + 1 < n {
            let a = s[i + 1]
            if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return i + 2 }  // s t m d
            if i + 2 < n {
                let b = s[i + 2]
                if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) {
                    return i + 3  // re ve ll
                }
            }
        }
        // Optional leading space for the three classes below.
        let j = (first == 0x20 && i + 1 < n) ? i + 1 : i
        let cj = c[j]
        if cj & CharacterClass.letter != 0 {
            return run(c, from: j) { $0 & CharacterClass.letter != 0 }
        }
        if cj & CharacterClass.number != 0 {
            return run(c, from: j) { $0 & CharacterClass.number != 0 }
        }
        if isOther(cj) {
            return run(c, from: j, isOther)
        }
        // \s+(?!\S)|\s+ : here s[i] is whitespace.
        let k = run(c, from: i) { $0 & CharacterClass.whitespace != 0 }
        if k == n || k - i < 2 { return k }
        return k - 1
    }

    /// `[^\s\p{L}\p{N}]`
    @inline(__always)
    static func isOther(_ bits: UInt8) -> Bool {
        bits & (CharacterClass.letter | CharacterClass.number | CharacterClass.whitespace) == 0
    }

    /// The end of the run of scalars from `start` whose class satisfies `test`.
    @inline(__always)
    static func run(_ c: UnsafeBufferPointer<UInt8>, from start: Int, _ test: (UInt8) -> Bool) -> Int {
        var k = start
        while k < c.count && test(c[k]) { k += 1 }
        return k
    }
}
