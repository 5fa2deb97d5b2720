/// GPT-2 style byte-level pre-tokenization (`ByteLevel`): optionally adds a leading space,
/// splits with the GPT-2 regex, then maps every byte to its byte-level alphabet character.
struct ByteLevelPreTokenizer: PreTokenizer {
    /// Prepend a space to each piece that does not start with one.
    let addPrefixSpace: Bool
    /// Split with the GPT-2 regex.
    let useRegex: Bool

    init(addPrefixSpace: Bool, useRegex: Bool) {
        self.addPrefixSpace = addPrefixSpace
        self.useRegex = useRegex
    }

    init(_ config: ComponentConfig) throws {
        addPrefixSpace = try config.bool("add_prefix_space", default: true)
        useRegex = try config.bool("use_regex", default: true)
    }

    var isByteLevel: Bool { true }

    func preTokenize(_ piece: Piece, into output: inout [Piece]) {
        var piece = piece
        if addPrefixSpace && piece.bytes.first != 0x20 {
            piece.bytes.insert(0x20, at: 0)
        }
        var parts: [Piece] = []
        if useRegex {
            piece.split(on: GPT2Pattern(), behavior: .isolated, into: &parts)
        } else if !piece.bytes.isEmpty {
            parts = [piece]
        }
        for var part in parts {
            part.bytes = ByteLevelAlphabet.encode(part.bytes)
            output.append(part)
        }
    }
}
