import Foundation
import TestAssets
import Testing
import Tokenizers

/// Token ids and round trips against the outputs of the Rust `tokenizers` library stored in
/// `Tests/References` (see its README and scripts/make_references.py).
@Suite("Reference tokenization")
struct ReferenceTokenizationTests {
    static let corpusNames = ["wiki.test.raw", "mixed"]

    func check(model: String) throws {
        let tokenizerURL = try TokenizerAssets.tokenizer(model)
        let tokenizer = try Tokenizer(contentsOf: tokenizerURL)
        let reference = try ReferenceIds.load(model)
        // A changed tokenizer.json or corpus makes every id comparison below meaningless; say so first.
        try #require(sha256Hex([UInt8](try Data(contentsOf: tokenizerURL))) == reference.tokenizer_sha256,
                     "\(tokenizerURL.path) is not the tokenizer the references were made with: run scripts/make_references.py --model \(model)")

        for name in Self.corpusNames {
            let url = try #require(TokenizerAssets.corpora[name])
            let bytes = [UInt8](try Data(contentsOf: url))
            try #require(sha256Hex(bytes) == reference.corpus_sha256[name],
                         "\(url.path) changed since the references were made (it is frozen on purpose)")
            let text = String(decoding: bytes, as: UTF8.self)
            let expected = try #require(reference.corpora[name])
            let ids = tokenizer.encode(text)
            let difference = corpusDifference(ids, expected) { tokenizer.decode($0) }
            #expect(difference == nil, "\(model) \(name): \(difference ?? "")")
            let decoded = tokenizer.decode(ids)
            #expect(Array(decoded.utf8) == bytes, "\(model) \(name): decode(encode(text)) != text")
            #expect(reference.roundtrip[name] == true)
        }

        #expect(reference.tokenize_samples.count == 42)
        for sample in reference.tokenize_samples {
            let ids = tokenizer.encode(sample.text)
            #expect(ids == sample.ids, "\(model) sample \(sample.text.debugDescription)")
        }
    }

    @Test("wiki260K's tok512 (sentencepiece BPE, byte fallback)")
    func wiki260K() throws {
        try check(model: "wiki260K")
    }

    @Test("SmolLM2-135M (byte-level BPE)")
    func smolLM2() throws {
        try check(model: "smollm2-135m")
    }

    @Test("sha256Hex: FIPS 180-4 examples, and the int32 byte order of the id hashes")
    func sha256() {
        #expect(sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(sha256Hex([UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(int32Bytes([1, 0x01020304, -1]) == [1, 0, 0, 0, 4, 3, 2, 1, 0xff, 0xff, 0xff, 0xff])
    }

    @Test("a corpus difference names the first differing window")
    func windowDiagnostic() throws {
        let ids = Array(0..<100)
        let reference = ReferenceIds.Corpus(
            count: 100, sha256: sha256Hex(int32Bytes(ids)), window: 16,
            window_sha256: stride(from: 0, to: 100, by: 16).map { sha256Hex(int32Bytes(ids[$0..<min($0 + 16, 100)])) },
            head: Array(ids.prefix(8)))
        let decode: ([Int]) -> String = { $0.map(String.init).joined(separator: " ") }
        #expect(corpusDifference(ids, reference, decode: decode) == nil)
        var changed = ids
        changed[37] = 0
        let message = try #require(corpusDifference(changed, reference, decode: decode))
        #expect(message.contains("first differing window 2 = ids 32..<48"), "\(message)")
        changed = ids
        changed[3] = 0
        #expect(corpusDifference(changed, reference, decode: decode)?.contains("first difference at index 3") == true)
        #expect(corpusDifference(Array(ids.prefix(99)), reference, decode: decode)?.contains("99 ids, expected 100") == true)
    }

    @Test("vocabulary, kind, special tokens")
    func vocabulary() throws {
        let tok512 = try Tokenizer(contentsOf: try TokenizerAssets.tokenizer("wiki260K"))
        #expect(tok512.vocabularySize == 512)
        #expect(tok512.kind == "sentencepiece BPE (byte fallback)")
        #expect(tok512.tokenId(for: "<s>") == 1)
        #expect(tok512.token(for: 2) == "</s>")
        #expect(tok512.token(for: 512) == nil)
        #expect(tok512.encode("hello", addSpecialTokens: true) == [1, 281, 306, 414])
        #expect(tok512.decode([1, 281, 306, 414, 2], skipSpecialTokens: true) == "hello")

        let smol = try Tokenizer(contentsOf: try TokenizerAssets.tokenizer("smollm2-135m"))
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
