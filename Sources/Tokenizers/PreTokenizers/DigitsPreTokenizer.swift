/// Separates numeric characters (`Digits`): each one alone with `individual_digits`, otherwise
/// runs of them.
struct DigitsPreTokenizer: PreTokenizer {
    let individualDigits: Bool

    init(_ config: ComponentConfig) throws {
        individualDigits = try config.bool("individual_digits", default: false)
    }

    /// Rust's `char::is_numeric`: general categories Nd, Nl and No.
    private static let numeric = CharacterPattern { CharacterClass.isNumber($0) }

    func preTokenize(_ piece: Piece, into output: inout [Piece]) {
        piece.split(on: Self.numeric, behavior: individualDigits ? .isolated : .contiguous, into: &output)
    }
}
