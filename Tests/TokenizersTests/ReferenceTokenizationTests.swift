import Foundation
import Testing
import Tokenizers

/// Token ids and round trips against the outputs of the Rust `tokenizers` library stored in
/// `shared/reference` (see its README and make_references.py).
@Suite("Reference tokenization")
struct ReferenceTokenizationTests {
    static let corpusNames = ["wiki.test.raw", "seeds"]

    func check(model: String) throws {
        let tokenizer = try Tokenizer(contentsOf: try SharedAssets.tokenizer(model))
        let reference = try ReferenceIds.load(model)
        let corpora = try SharedAssets.corpora()

        for name in Self.corpusNames {
            let text = try #require(corpora[name])
            let expected = try #require(reference.corpora[name])
            let ids = tokenizer.encode(text)
            let difference = firstDifference(ids, expected)
            #expect(difference == nil, "\(model) \(name): \(difference ?? "")")
            let decoded = tokenizer.decode(ids)
            #expect(Array(decoded.utf8) == Array(text.utf8), "\(model) \(name): decode(encode(text)) != text")
            #expect(reference.roundtrip[name] == true)
        }

        #expect(reference.tokenize_samples.count == 42)
        for sample in reference.tokenize_samples {
            let ids = tokenizer.encode(sample.text)
            #expect(ids == sample.ids, "\(model) sample \(sample.text.debugDescription)")
        }
    }

    @Test("stories260K (sentencepiece BPE, byte fallback)")
    func stories260K() throws {
        try check(model: "stories260K")
    }

    @Test("SmolLM2-135M (byte-level BPE)")
    func smolLM2() throws {
        try check(model: "smollm2-135m")
    }

    @Test("vocabulary, kind, special tokens")
    func vocabulary() throws {
        let stories = try Tokenizer(contentsOf: try SharedAssets.tokenizer("stories260K"))
        #expect(stories.vocabularySize == 512)
        #expect(stories.kind == "sentencepiece BPE (byte fallback)")
        #expect(stories.tokenId(for: "<s>") == 1)
        #expect(stories.token(for: 2) == "</s>")
        #expect(stories.token(for: 512) == nil)
        #expect(stories.encode("hello", addSpecialTokens: true) == [1, 281, 306, 414])
        #expect(stories.decode([1, 281, 306, 414, 2], skipSpecialTokens: true) == "hello")

        let smol = try Tokenizer(contentsOf: try SharedAssets.tokenizer("smollm2-135m"))
        #expect(smol.vocabularySize == 49152)
        #expect(smol.kind == "byte-level BPE")
        #expect(smol.tokenId(for: "<|im_start|>") == 1)
        #expect(smol.token(for: 33662) == "Ġhello")
        #expect(smol.tokenId(for: "Ġhello") == 33662)
        #expect(smol.encode("hello", addSpecialTokens: true) == [28120])
        #expect(smol.decode([1, 4093, 198, 26843, 2, 198]) == "<|im_start|>user\nHi<|im_end|>\n")
        #expect(smol.decode([1, 4093, 198, 26843, 2, 198], skipSpecialTokens: true) == "user\nHi\n")
    }
}
