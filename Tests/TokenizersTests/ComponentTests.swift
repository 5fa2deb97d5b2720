import Foundation
import JSON
import TestAssets
import Testing
@testable import Tokenizers

// Expected ids in this file come from the Rust `tokenizers` library (Python package
// tokenizers 0.23.3) run on the same modified tokenizer.json files.

/// The parsed tokenizer.json files, read once: SmolLM2's, and the test model wiki260K's tok512
/// (llama2.c's stories260K tokenizer, byte for byte).
enum ParsedTokenizerFiles {
    static let smolLM2 = Result { try parse("smollm2-135m") }
    static let wiki260K = Result { try parse("wiki260K") }

    static func parse(_ model: String) throws -> JSONValue {
        try JSONParser.parse([UInt8](try Data(contentsOf: try TokenizerAssets.tokenizer(model))))
    }

    static func get(_ model: String) throws -> JSONValue {
        try (model == "wiki260K" ? wiki260K : smolLM2).get()
    }
}

/// JSON text to a `JSONValue`.
func json(_ text: String) throws -> JSONValue {
    try JSONParser.parse(Array(text.utf8))
}

/// A real tokenizer.json with some top-level members replaced (values given as JSON text)
/// and, optionally, some members of its `model` replaced.
func modifiedTokenizer(_ model: String, _ members: [String: String],
                       model modelMembers: [String: String] = [:]) throws -> Tokenizer {
    var root = try ParsedTokenizerFiles.get(model)
    for (key, text) in members { root = root.setting(key, try json(text)) }
    if !modelMembers.isEmpty, var m = root["model"] {
        for (key, text) in modelMembers { m = m.setting(key, try json(text)) }
        root = root.setting("model", m)
    }
    return try Tokenizer(json: root)
}

/// The Llama-3 regex as a JSON string literal.
let llama3Regex = #""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+""#
/// Qwen2's variant as a JSON string literal.
let qwen2Regex = #""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+""#

/// A pre_tokenizer: the given one, then ByteLevel without its own regex.
func splitThenByteLevel(_ first: String) -> [String: String] {
    ["pre_tokenizer": #"{"type": "Sequence", "pretokenizers": ["# + first
        + #", {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]}"#]
}

/// A Split pre-tokenizer with a regex given as a JSON string literal.
func isolatedRegex(_ regexLiteral: String) -> String {
    #"{"type": "Split", "pattern": {"Regex": "# + regexLiteral + #"}, "behavior": "Isolated", "invert": false}"#
}

func expectEncodings(_ tokenizer: Tokenizer, _ cases: [(String, [Int])],
                     sourceLocation: SourceLocation = #_sourceLocation) {
    for (text, ids) in cases {
        #expect(tokenizer.encode(text) == ids, "\(text.debugDescription)", sourceLocation: sourceLocation)
    }
}

@Suite("Pipeline components")
struct ComponentTests {
    @Test("Llama-3 split regex (hand-written matcher)")
    func llama3() throws {
        let tokenizer = try modifiedTokenizer("smollm2-135m", splitThenByteLevel(isolatedRegex(llama3Regex)))
        expectEncodings(tokenizer, [
            ("Hello world", [19556, 905]),
            ("it'S 'ſ x'ſt don't", [269, 23, 67, 637, 144, 140, 1792, 23, 144, 140, 100, 1326, 982]),
            ("a  \n\n  b", [81, 3351, 250, 1116, 216, 278]),
            ("12345 x 1234567", [33, 34, 35, 36, 37, 1792, 216, 33, 34, 35, 36, 37, 38, 39]),
            ("ab\r\n\r\n  \t\n c", [369, 18682, 256, 197, 198, 265]),
            (" ?!? foo\n\n\nbar  ", [9148, 17, 47, 29856, 16506, 6299, 256]),
            ("日本語 テキスト", [23274, 115, 40993, 179, 120, 248, 216, 11100, 224, 10391, 251, 10391, 134, 11100, 226]),
            ("emoji 🙂👍🏽!!", [391, 33777, 47526, 10813, 235, 231, 10813, 233, 138, 10095]),
            ("  leading and trailing  ", [216, 2899, 284, 35079, 256]),
            ("x\ty\r\nz", [104, 197, 105, 2738, 106]),
        ])
    }

    @Test("Qwen2 split regex (hand-written matcher)")
    func qwen2() throws {
        let tokenizer = try modifiedTokenizer("smollm2-135m", splitThenByteLevel(isolatedRegex(qwen2Regex)))
        expectEncodings(tokenizer, [
            ("Hello world", [19556, 905]),
            ("it'S 'ſ x'ſt don't", [269, 23, 67, 637, 144, 140, 1792, 23, 144, 140, 100, 1326, 982]),
            ("a  \n\n  b", [81, 3351, 250, 1116, 216, 278]),
            ("12345 x 1234567", [33, 34, 35, 36, 37, 1792, 216, 33, 34, 35, 36, 37, 38, 39]),
            ("ab\r\n\r\n  \t\n c", [369, 18682, 256, 197, 198, 265]),
            (" ?!? foo\n\n\nbar  ", [9148, 17, 47, 29856, 16506, 6299, 256]),
            ("日本語 テキスト", [23274, 115, 40993, 179, 120, 248, 216, 11100, 224, 10391, 251, 10391, 134, 11100, 226]),
            ("emoji 🙂👍🏽!!", [391, 33777, 47526, 10813, 235, 231, 10813, 233, 138, 10095]),
            ("  leading and trailing  ", [216, 2899, 284, 35079, 256]),
            ("x\ty\r\nz", [104, 197, 105, 2738, 106]),
        ])
    }

    @Test("ByteLevel with add_prefix_space")
    func byteLevelPrefixSpace() throws {
        let tokenizer = try modifiedTokenizer("smollm2-135m", [
            "pre_tokenizer": #"{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}"#,
        ])
        expectEncodings(tokenizer, [
            ("Hello world", [38699, 905]),
            ("it'S 'ſ x'ſt don't", [357, 23, 67, 637, 144, 140, 1792, 23, 144, 140, 100, 1326, 982]),
            ("a  \n\n  b", [253, 3351, 250, 8866, 278]),
            ("12345 x 1234567", [216, 33, 34, 35, 36, 37, 1792, 216, 33, 34, 35, 36, 37, 38, 39]),
            ("ab\r\n\r\n  \t\n c", [453, 18682, 256, 197, 198, 265]),
            (" ?!? foo\n\n\nbar  ", [9148, 17, 47, 29856, 1116, 198, 6299, 256]),
            ("日本語 テキスト", [17097, 241, 115, 40993, 179, 120, 248, 216, 11100, 224, 10391, 251, 10391, 134, 11100, 226]),
            ("emoji 🙂👍🏽!!", [649, 33777, 47526, 10813, 235, 231, 10813, 233, 138, 10095]),
            ("  leading and trailing  ", [216, 2899, 284, 35079, 256]),
            ("x\ty\r\nz", [1792, 197, 105, 201, 198, 106]),
        ])
    }

    @Test("other regexes (NSRegularExpression fallback)")
    func customRegex() throws {
        let tokenizer = try modifiedTokenizer("smollm2-135m", splitThenByteLevel(isolatedRegex(#""\\p{Lu}\\p{Ll}*|\\d{1,2}|\\s+""#)))
        expectEncodings(tokenizer, [
            ("HelloWorld FooBar 12345", [19556, 11265, 216, 54, 568, 14550, 216, 33, 34, 35, 36, 37]),
            ("ABCdef  xyz", [49, 50, 51, 1604, 256, 33300]),
        ])
    }

    @Test("Digits without individual_digits")
    func digitsContiguous() throws {
        let tokenizer = try modifiedTokenizer("smollm2-135m", splitThenByteLevel(#"{"type": "Digits", "individual_digits": false}"#))
        expectEncodings(tokenizer, [
            ("abc 12345 x٣٣", [25276, 216, 33, 34, 35, 36, 37, 1792, 164, 113, 164, 113]),
        ])
    }

    @Test("Split behaviors and invert", arguments: SPLITS)
    func splitBehaviors(behavior: String, invert: Bool, expected: [[String]]) throws {
        let b = try #require(SplitBehavior(rawValue: behavior))
        let inputs = ["the-final--countdown", "-a-", "--", "a"]
        for (input, want) in zip(inputs, expected) {
            var out: [Piece] = []
            Piece(bytes: Array(input.utf8), atStart: true)
                .split(on: LiteralPattern(Array("-".utf8)), behavior: b, invert: invert, into: &out)
            #expect(out.map { String(decoding: $0.bytes, as: UTF8.self) } == want, "\(behavior) invert=\(invert) \(input)")
        }
    }

    @Test("added tokens: lstrip, rstrip, single_word, normalized, longest match")
    func addedTokenRules() throws {
        var added = try #require(try ParsedTokenizerFiles.get("smollm2-135m")["added_tokens"]?.arrayValue)
        func token(_ id: Int, _ content: String, single: Bool = false, lstrip: Bool = false,
                   rstrip: Bool = false, normalized: Bool = false, special: Bool = false) throws -> JSONValue {
            try json(#"{"id": \#(id), "content": "\#(content)", "single_word": \#(single), "lstrip": \#(lstrip), "#
                     + #""rstrip": \#(rstrip), "normalized": \#(normalized), "special": \#(special)}"#)
        }
        added.append(try token(49152, "[MASK]", lstrip: true, rstrip: true, special: true))
        added.append(try token(49153, "word", single: true))
        added.append(try token(49154, "<|im_start|>extra"))
        added.append(try token(49155, "HELLO", normalized: true))
        let root = try ParsedTokenizerFiles.get("smollm2-135m")
            .setting("added_tokens", .array(added))
            .setting("normalizer", try json(#"{"type": "Lowercase"}"#))
        let tokenizer = try Tokenizer(json: root)
        #expect(tokenizer.vocabularySize == 49155)
        expectEncodings(tokenizer, [
            ("a [MASK] b", [81, 49152, 82]),
            ("a  [MASK]\n\nb", [81, 49152, 82]),
            ("word words sword word.", [3002, 1924, 15513, 216, 3002, 30]),
            ("<|im_start|>extra<|im_start|>ext", [49153, 1, 1527]),
            ("say Hello HELLO hello", [22313, 216, 49154, 216, 49154, 216, 49154]),
            ("x[MASK]y", [104, 49152, 105]),
        ])
        // "word" is already in the vocabulary and keeps its id; a normalized added token
        // decodes to its normalized form, as in the Rust library.
        #expect(tokenizer.tokenId(for: "word") == 3002)
        #expect(tokenizer.tokenId(for: "HELLO") == 49154)
        #expect(tokenizer.decode([49154]) == "hello")
        #expect(tokenizer.decode([81, 49152, 82], skipSpecialTokens: true) == "ab")
    }

    @Test("Metaspace pre-tokenizer and decoder, prepend_scheme first")
    func metaspaceFirst() throws {
        let metaspace = #"{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false}"#
        let tokenizer = try modifiedTokenizer("wiki260K", [
            "normalizer": "null", "pre_tokenizer": metaspace, "decoder": metaspace,
        ])
        let cases = [
            ("hello world", [281, 306, 414, 263, 304, 341]),
            (" hello", [281, 306, 414]),
            ("<s>hello there</s> world", [1, 260, 306, 414, 383, 2, 263, 304, 341]),
            ("a  b", [261, 410, 268]),
            ("", []),
            ("x</s>y", [410, 444, 2, 422]),
        ]
        expectEncodings(tokenizer, cases)
        let decoded = ["hello world", "hello", "hello there world", "a  b", "", "xy"]
        for ((_, ids), want) in zip(cases, decoded) {
            #expect(tokenizer.decode(ids, skipSpecialTokens: true) == want)
        }
    }

    @Test("Metaspace pre-tokenizer, prepend_scheme always, split")
    func metaspaceAlways() throws {
        let tokenizer = try modifiedTokenizer("wiki260K", [
            "normalizer": "null",
            "pre_tokenizer": #"{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}"#,
        ])
        expectEncodings(tokenizer, [
            ("hello world", [281, 306, 414, 263, 304, 341]),
            (" hello", [281, 306, 414]),
            ("<s>hello there</s> world", [1, 281, 306, 414, 383, 2, 263, 304, 341]),
            ("a  b", [261, 410, 268]),
            ("", []),
            ("x</s>y", [410, 444, 2, 348]),
        ])
    }

    @Test("unk_token with and without fuse_unk", arguments: [true, false])
    func unknownCharacters(fuse: Bool) throws {
        let tokenizer = try modifiedTokenizer("wiki260K", [:], model: [
            "byte_fallback": "false", "unk_token": #""<unk>""#, "fuse_unk": "\(fuse)",
        ])
        expectEncodings(tokenizer, fuse ? [
            ("aüüb", [261, 0, 430]),
            ("üü", [410, 0]),
            ("aüb", [261, 0, 430]),
        ] : [
            ("aüüb", [261, 0, 0, 430]),
            ("üü", [410, 0, 0]),
            ("aüb", [261, 0, 430]),
        ])
    }
}

let SPLITS: [(String, Bool, [[String]])] = [
    ("Removed", false, [["the", "final", "countdown"], ["a"], [], ["a"]]),
    ("Removed", true, [["-", "-", "-"], ["-", "-"], ["-", "-"], []]),
    ("Isolated", false, [["the", "-", "final", "-", "-", "countdown"], ["-", "a", "-"], ["-", "-"], ["a"]]),
    ("Isolated", true, [["the", "-", "final", "-", "-", "countdown"], ["-", "a", "-"], ["-", "-"], ["a"]]),
    ("MergedWithPrevious", false, [["the-", "final-", "-", "countdown"], ["-", "a-"], ["-", "-"], ["a"]]),
    ("MergedWithPrevious", true, [["the", "-final", "-", "-countdown"], ["-a", "-"], ["-", "-"], ["a"]]),
    ("MergedWithNext", false, [["the", "-final", "-", "-countdown"], ["-a", "-"], ["-", "-"], ["a"]]),
    ("MergedWithNext", true, [["the-", "final-", "-", "countdown"], ["-", "a-"], ["-", "-"], ["a"]]),
    ("Contiguous", false, [["the", "-", "final", "--", "countdown"], ["-", "a", "-"], ["--"], ["a"]]),
    ("Contiguous", true, [["the", "-", "final", "--", "countdown"], ["-", "a", "-"], ["--"], ["a"]]),
]
