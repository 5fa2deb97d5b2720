import Foundation
import TestAssets

/// Where the tokenizer tests find a model's tokenizer.json and the two reference corpora.
enum TokenizerAssets {
    /// "wiki260K" is the test model's tok512 tokenizer (llama2.c's stories260K tokenizer, byte for
    /// byte); "smollm2-135m" is SmolLM2's, from `TestAssets.smolLM2()`.
    static func tokenizer(_ model: String) throws -> URL {
        switch model {
        case "wiki260K": return TestAssets.testModel.appendingPathComponent("tokenizer.json")
        case "smollm2-135m": return try TestAssets.smolLM2().appendingPathComponent("tokenizer.json")
        default: throw AssetError(description: "no tokenizer called \(model)")
        }
    }

    /// The corpora of `Tests/References/<model>.ids.json`: WikiText-2's test split and `mixed`, a
    /// frozen copy of our own README + ARCHITECTURE (markdown, code, tables, unicode).
    static let corpora: [String: URL] = [
        "wiki.test.raw": TestAssets.wikiText,
        "mixed": TestAssets.fixture("tokenizer/mixed.md"),
    ]
}

/// An asset these tests cannot find (`TestAssets.Missing` cannot be made outside its module).
struct AssetError: Error, CustomStringConvertible {
    let description: String
}

/// The contents of `Tests/References/<model>.ids.json` that the tests use (made by
/// scripts/make_references.py; format in Tests/References/README.md).
struct ReferenceIds: Decodable {
    struct Sample: Decodable {
        let text: String
        let ids: [Int]
    }

    /// The ids of a whole corpus, as hashes: the ids themselves would be megabytes.
    struct Corpus: Decodable {
        /// Number of ids.
        let count: Int
        /// sha256 of all ids as little-endian int32 bytes.
        let sha256: String
        /// Ids per window of `window_sha256`.
        let window: Int
        /// sha256 of ids[k*window ..< min((k+1)*window, count)], for k = 0, 1, ...
        let window_sha256: [String]
        /// The first ids, explicitly.
        let head: [Int]
    }

    let tokenizer_sha256: String
    let corpora: [String: Corpus]
    let corpus_sha256: [String: String]
    let roundtrip: [String: Bool]
    let tokenize_samples: [Sample]

    static func load(_ model: String) throws -> ReferenceIds {
        let url = TestAssets.reference("\(model).ids.json")
        return try JSONDecoder().decode(ReferenceIds.self, from: Data(contentsOf: url))
    }
}

/// The little-endian int32 bytes that the reference hashes cover.
func int32Bytes<C: Collection>(_ ids: C) -> [UInt8] where C.Element == Int {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(ids.count * 4)
    for id in ids {
        let value = UInt32(bitPattern: Int32(truncatingIfNeeded: id))
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
    }
    return bytes
}

/// `nil` when `ids` are exactly the reference's (same count, same sha256); otherwise where they
/// first differ: the first window whose hash differs, with the exact index when it lies in the
/// stored head, and the text our ids decode to there.
func corpusDifference(_ ids: [Int], _ expected: ReferenceIds.Corpus, decode: ([Int]) -> String) -> String? {
    if ids.count == expected.count && sha256Hex(int32Bytes(ids)) == expected.sha256 { return nil }
    var message = "\(ids.count) ids, expected \(expected.count)"
    if let exact = firstDifference(Array(ids.prefix(expected.head.count)), expected.head) {
        return message + "; within the first \(expected.head.count) ids: " + exact
    }
    let window = max(expected.window, 1)
    let windows = (ids.count + window - 1) / window
    for k in 0..<min(windows, expected.window_sha256.count) {
        let range = (k * window)..<min((k + 1) * window, ids.count)
        if sha256Hex(int32Bytes(ids[range])) != expected.window_sha256[k] {
            let text = decode(Array(ids[range].prefix(40)))
            message += "; first differing window \(k) = ids \(range) (its start decodes to \(text.debugDescription))"
            return message
        }
    }
    return message + "; every common window matches, so the difference is in the length"
}

/// A readable description of where two id sequences first differ, or `nil` if equal.
func firstDifference(_ actual: [Int], _ expected: [Int]) -> String? {
    if actual == expected { return nil }
    let n = min(actual.count, expected.count)
    var i = 0
    while i < n && actual[i] == expected[i] { i += 1 }
    let lo = max(0, i - 5)
    return "lengths \(actual.count) vs expected \(expected.count); first difference at index \(i): "
        + "got \(Array(actual[lo..<min(actual.count, i + 6)])) expected \(Array(expected[lo..<min(expected.count, i + 6)]))"
}
