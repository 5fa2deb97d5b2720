import JSON

/// Splits normalized text into the pieces ("words") that the model tokenizes separately,
/// possibly transforming them (tokenizer.json `pre_tokenizer`).
protocol PreTokenizer: Sendable {
    /// Pre-tokenizes one piece, appending the resulting non-empty pieces to `output`.
    func preTokenize(_ piece: Piece, into output: inout [Piece])

    /// Whether this pre-tokenizer maps text to GPT-2's byte-level alphabet.
    var isByteLevel: Bool { get }
}

extension PreTokenizer {
    var isByteLevel: Bool { false }

    /// Pre-tokenizes every piece in order.
    func preTokenize(_ pieces: [Piece]) -> [Piece] {
        var output: [Piece] = []
        output.reserveCapacity(pieces.count)
        for piece in pieces { preTokenize(piece, into: &output) }
        return output
    }
}

/// Builds pre-tokenizers from their tokenizer.json objects.
enum PreTokenizerFactory {
    static let supported = ["ByteLevel", "Split", "Digits", "Metaspace", "Sequence"]

    static func make(_ json: JSONValue) throws -> any PreTokenizer {
        let config = try ComponentConfig(json, component: "pre_tokenizer")
        let type = try config.requiredType()
        switch type {
        case "ByteLevel": return try ByteLevelPreTokenizer(config)
        case "Split": return try SplitPreTokenizer(config)
        case "Digits": return try DigitsPreTokenizer(config)
        case "Metaspace": return try MetaspacePreTokenizer(config)
        case "Sequence":
            let items = try config.array("pretokenizers")
            return PreTokenizerSequence(steps: try items.map(make))
        default:
            throw TokenizerError.unsupported("pre_tokenizer", type: type, supported: supported)
        }
    }
}

/// Runs several pre-tokenizers one after the other (`Sequence`).
struct PreTokenizerSequence: PreTokenizer {
    let steps: [any PreTokenizer]

    func preTokenize(_ piece: Piece, into output: inout [Piece]) {
        var pieces = [piece]
        for step in steps { pieces = step.preTokenize(pieces) }
        output.append(contentsOf: pieces)
    }

    func preTokenize(_ pieces: [Piece]) -> [Piece] {
        var pieces = pieces
        for step in steps { pieces = step.preTokenize(pieces) }
        return pieces
    }

    var isByteLevel: Bool { steps.contains { $0.isByteLevel } }
}
