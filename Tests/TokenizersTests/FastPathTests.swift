import JSON
import Testing
@testable import Tokenizers

/// The one-pass pre-tokenizer paths give the same pieces as the generic pattern split.
@Suite("Fast paths")
struct FastPathTests {
    static let texts = ["", "a", "7", "abc 12345 x٣٣", "½ ¼ ² ³ Ⅻ ٣", "12,345 and 2024-01-01", " 42 ", "x1y22z333", "日本1語"]

    static func strings(_ pieces: [Piece]) -> [String] {
        pieces.map { String(decoding: $0.bytes, as: UTF8.self) }
    }

    @Test("Digits equals a split on numeric characters", arguments: [true, false])
    func digits(individual: Bool) throws {
        let config = try ComponentConfig(.object(["type": .string("Digits"), "individual_digits": .bool(individual)]),
                                         component: "pre_tokenizer")
        let digits = try DigitsPreTokenizer(config)
        for text in Self.texts {
            let piece = Piece(bytes: Array(text.utf8), atStart: true)
            var fast: [Piece] = []
            digits.preTokenize(piece, into: &fast)
            var generic: [Piece] = []
            piece.split(on: DigitsPreTokenizer.numeric, behavior: individual ? .isolated : .contiguous, into: &generic)
            #expect(Self.strings(fast) == Self.strings(generic), "\(text.debugDescription)")
        }
    }

    @Test("ByteLevel equals an Isolated split on the GPT-2 regex, then byte mapping")
    func byteLevel() {
        let byteLevel = ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true)
        for text in Self.texts + ["it's  a\n\n b ", "   ", "x\u{00A0} y"] {
            let piece = Piece(bytes: Array(text.utf8), atStart: true)
            var fast: [Piece] = []
            byteLevel.preTokenize(piece, into: &fast)
            var generic: [Piece] = []
            piece.split(on: GPT2Pattern(), behavior: .isolated, into: &generic)
            #expect(fast.map(\.bytes) == generic.map { ByteLevelAlphabet.encode($0.bytes) }, "\(text.debugDescription)")
        }
    }
}
