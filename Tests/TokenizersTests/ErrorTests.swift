import Foundation
import Testing
import Tokenizers

/// Unsupported components and malformed files give a one-line `TokenizerError`.
@Suite("Errors")
struct ErrorTests {
    /// A minimal valid tokenizer.json with `extra` members added (or replaced) at the top level.
    static func json(model: String = #"{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}"#,
                     _ extra: String = "") -> Data {
        Data(#"{"version": "1.0", "added_tokens": [], "model": \#(model)\#(extra.isEmpty ? "" : ", " + extra)}"#.utf8)
    }

    static func error(_ data: Data) -> TokenizerError? {
        do {
            _ = try Tokenizer(data: data)
            return nil
        } catch let error as TokenizerError {
            return error
        } catch {
            return TokenizerError("unexpected error type \(type(of: error))")
        }
    }

    static func expectOneLine(_ e: TokenizerError?, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(e != nil, sourceLocation: sourceLocation)
        #expect(e?.description.contains("\n") == false, sourceLocation: sourceLocation)
    }

    @Test("a minimal inline tokenizer works")
    func minimal() throws {
        let t = try Tokenizer(data: Self.json())
        #expect(t.encode("abab") == [2, 2])
        #expect(t.encode("ba") == [1, 0])
        #expect(t.decode([2, 0]) == "ab a")  // no decoder: tokens joined with spaces
        #expect(t.vocabularySize == 3)
        #expect(t.kind == "BPE")
    }

    @Test("merges given as pairs")
    func pairMerges() throws {
        let t = try Tokenizer(data: Self.json(model: #"{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", "b"]]}"#))
        #expect(t.encode("aab") == [0, 2])
    }

    @Test("unsupported pre_tokenizer")
    func unsupportedPreTokenizer() {
        let e = Self.error(Self.json(#""pre_tokenizer": {"type": "BertPreTokenizer"}"#))
        #expect(e?.description == "tokenizer.json: unsupported pre_tokenizer type 'BertPreTokenizer' (supported: ByteLevel, Split, Digits, Metaspace, Sequence)")
    }

    @Test("unsupported pre_tokenizer inside a Sequence")
    func unsupportedNestedPreTokenizer() {
        let e = Self.error(Self.json(#""pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": true}, {"type": "Whitespace"}]}"#))
        #expect(e?.description == "tokenizer.json: unsupported pre_tokenizer type 'Whitespace' (supported: ByteLevel, Split, Digits, Metaspace, Sequence)")
    }

    @Test("unsupported model")
    func unsupportedModel() {
        let e = Self.error(Self.json(model: #"{"type": "WordPiece", "vocab": {"a": 0}, "unk_token": "[UNK]"}"#))
        #expect(e?.description == "tokenizer.json: unsupported model type 'WordPiece' (supported: BPE)")
    }

    @Test("unsupported normalizer, decoder and post_processor")
    func unsupportedOthers() {
        let n = Self.error(Self.json(#""normalizer": {"type": "BertNormalizer", "lowercase": true}"#))
        #expect(n?.description.hasPrefix("tokenizer.json: unsupported normalizer type 'BertNormalizer' (supported: ") == true)
        let d = Self.error(Self.json(#""decoder": {"type": "WordPiece", "prefix": "@@"}"#))
        #expect(d?.description.hasPrefix("tokenizer.json: unsupported decoder type 'WordPiece' (supported: ") == true)
        let p = Self.error(Self.json(#""post_processor": {"type": "Mystery"}"#))
        #expect(p?.description.hasPrefix("tokenizer.json: unsupported post_processor type 'Mystery' (supported: ") == true)
        for e in [n, d, p] { Self.expectOneLine(e) }
    }

    @Test("missing model")
    func missingModel() {
        let e = Self.error(Data(#"{"version": "1.0", "added_tokens": []}"#.utf8))
        #expect(e?.description == "tokenizer.json: missing 'model'")
    }

    @Test("malformed JSON", arguments: [
        "", "{", #"{"model": }"#, "[1, 2", #"{"model": {"type": "BPE"}} trailing"#, #"{"a": "\ud800"}"#, "nul",
    ])
    func malformedJSON(text: String) {
        let e = Self.error(Data(text.utf8))
        Self.expectOneLine(e)
        #expect(e?.description.hasPrefix("tokenizer.json: invalid JSON at line 1, column ") == true, "\(e?.description ?? "no error")")
    }

    @Test("malformed JSON reports line and column")
    func malformedPosition() {
        let e = Self.error(Data("{\n  \"model\": [1,,2]\n}".utf8))
        #expect(e?.description == "tokenizer.json: invalid JSON at line 2, column 15: unexpected character")
    }

    @Test("invalid UTF-8 in the file")
    func invalidUTF8() {
        var bytes = Array(#"{"model": "x"#.utf8)
        bytes.append(0xFF)
        bytes.append(contentsOf: Array(#""}"#.utf8))
        let e = Self.error(Data(bytes))
        Self.expectOneLine(e)
        #expect(e?.description.contains("invalid UTF-8") == true)
    }

    @Test("top level is not an object")
    func notAnObject() {
        #expect(Self.error(Data("[]".utf8))?.description == "tokenizer.json: expected a JSON object at the top level, found an array")
    }

    @Test("bad fields name the component")
    func badFields() {
        let merge = Self.error(Self.json(model: #"{"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}"#))
        #expect(merge?.description == "tokenizer.json: model 'BPE' field 'merges' entry 1 uses 'ab', which is not in the vocabulary")
        let vocab = Self.error(Self.json(model: #"{"type": "BPE", "vocab": [], "merges": []}"#))
        #expect(vocab?.description == "tokenizer.json: model 'BPE' field 'vocab' must be an object mapping tokens to ids")
        let behavior = Self.error(Self.json(#""pre_tokenizer": {"type": "Split", "pattern": {"String": " "}, "behavior": "Sideways", "invert": false}"#))
        #expect(behavior?.description.hasPrefix("tokenizer.json: pre_tokenizer 'Split' field 'behavior' has unknown value 'Sideways'") == true)
        let regex = Self.error(Self.json(#""pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated", "invert": false}"#))
        #expect(regex?.description == "tokenizer.json: pre_tokenizer 'Split' has an invalid regex '(unclosed'")
        for e in [merge, vocab, behavior, regex] { Self.expectOneLine(e) }
    }

    @Test("unreadable file")
    func unreadableFile() {
        #expect(throws: TokenizerError.self) {
            try Tokenizer(contentsOf: URL(fileURLWithPath: "/nonexistent/tokenizer.json"))
        }
    }
}
