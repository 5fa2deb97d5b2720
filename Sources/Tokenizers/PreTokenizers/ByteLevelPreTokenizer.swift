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
        guard !piece.bytes.isEmpty else { return }
        guard useRegex else {
            output.append(Piece(bytes: ByteLevelAlphabet.encode(piece.bytes), atStart: piece.atStart))
            return
        }
        // The GPT-2 regex matches at every position, so its matches tile the text and an
        // Isolated split is exactly the list of matches.
        let matches = GPT2Pattern().matches(in: piece.bytes)
        piece.bytes.withUnsafeBufferPointer { p in
            for m in matches {
                output.append(Piece(bytes: ByteLevelAlphabet.encode(UnsafeBufferPointer(rebasing: p[m])),
                                    atStart: piece.atStart && m.lowerBound == 0))
            }
        }
    }
}
