import JSON

/// Sentencepiece-style pre-tokenization (`Metaspace`): spaces become the replacement
/// character (`▁` by default), which is prepended according to `prepend_scheme`, and the text
/// is split before each replacement character.
struct MetaspacePreTokenizer: PreTokenizer {
    /// When to prepend the replacement character.
    enum PrependScheme: String, Sendable {
        case always, first, never
    }

    let replacement: UInt32
    let prependScheme: PrependScheme
    let split: Bool
    private let replacementBytes: [UInt8]

    init(_ config: ComponentConfig) throws {
        replacement = try config.scalar("replacement", default: 0x2581)
        prependScheme = try Self.prependScheme(config)
        split = try config.bool("split", default: true)
        replacementBytes = UTF8Text.bytes(of: replacement)
    }

    /// Reads `prepend_scheme`, honouring the legacy `add_prefix_space: false`.
    static func prependScheme(_ config: ComponentConfig) throws -> PrependScheme {
        var scheme = PrependScheme.always
        if let name = try config.optionalString("prepend_scheme") {
            guard let s = PrependScheme(rawValue: name) else {
                throw config.fieldError("prepend_scheme", "has unknown value '\(name)' (expected always, first or never)")
            }
            scheme = s
        }
        if try config.optionalBool("add_prefix_space") == false {
            if config.json.member("prepend_scheme") != nil && scheme != .never {
                throw config.fieldError("add_prefix_space", "does not match declared prepend_scheme")
            }
            scheme = .never
        }
        return scheme
    }

    func preTokenize(_ piece: Piece, into output: inout [Piece]) {
        var piece = piece
        var bytes: [UInt8] = []
        bytes.reserveCapacity(piece.bytes.count + 3)
        for b in piece.bytes {
            if b == 0x20 { bytes.append(contentsOf: replacementBytes) } else { bytes.append(b) }
        }
        let startsWithReplacement = bytes.starts(with: replacementBytes)
        switch prependScheme {
        case .always where !startsWithReplacement,
             .first where !startsWithReplacement && piece.atStart:
            bytes.insert(contentsOf: replacementBytes, at: 0)
        default:
            break
        }
        piece.bytes = bytes
        if split {
            piece.split(on: LiteralPattern(replacementBytes), behavior: .mergedWithNext, into: &output)
        } else if !bytes.isEmpty {
            output.append(piece)
        }
    }
}
