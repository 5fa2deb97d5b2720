/// Splits on a literal string or a regex (`Split`), keeping the delimiters as configured by
/// `behavior`; `invert` swaps what counts as the delimiter.
struct SplitPreTokenizer: PreTokenizer {
    let pattern: any TextPattern
    let behavior: SplitBehavior
    let invert: Bool

    init(_ config: ComponentConfig) throws {
        pattern = try makePattern(try config.pattern("pattern"), component: "pre_tokenizer 'Split'")
        let name = try config.string("behavior")
        guard let behavior = SplitBehavior(rawValue: name) else {
            throw config.fieldError("behavior", "has unknown value '\(name)' (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)")
        }
        self.behavior = behavior
        invert = try config.bool("invert", default: false)
    }

    func preTokenize(_ piece: Piece, into output: inout [Piece]) {
        piece.split(on: pattern, behavior: behavior, invert: invert, into: &output)
    }
}
