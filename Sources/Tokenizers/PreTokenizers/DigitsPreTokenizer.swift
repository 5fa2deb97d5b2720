/// Separates numeric characters (`Digits`): each one alone with `individual_digits`, otherwise
/// runs of them.
struct DigitsPreTokenizer: PreTokenizer {
    let individualDigits: Bool

    init(_ config: ComponentConfig) throws {
        individualDigits = try config.bool("individual_digits", default: false)
    }

    /// Rust's `char::is_numeric`: general categories Nd, Nl and No.
    static let numeric = CharacterPattern { CharacterClass.isNumber($0) }

    func preTokenize(_ piece: Piece, into output: inout [Piece]) {
        // Same result as splitting on the numeric-character pattern (Isolated or
        // Contiguous), computed in one pass.
        var ranges: [Range<Int>] = []
        piece.bytes.withUnsafeBufferPointer { p in
            var runStart = 0
            var runIsNumeric = false
            var i = 0
            while i < p.count {
                let b = p[i]
                let numeric: Bool, n: Int
                if b < 0x80 {
                    numeric = b >= 0x30 && b <= 0x39
                    n = 1
                } else {
                    let (s, len) = UTF8Text.decode(p, at: i)
                    numeric = CharacterClass.isNumber(s)
                    n = len
                }
                if i > runStart && (numeric != runIsNumeric || (numeric && individualDigits)) {
                    ranges.append(runStart..<i)
                    runStart = i
                }
                if i == runStart { runIsNumeric = numeric }
                i += n
            }
            if p.count > runStart { ranges.append(runStart..<p.count) }
        }
        piece.append(ranges, into: &output)
    }
}
