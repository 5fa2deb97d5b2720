import JSON
import Testing

/// Random corruptions of valid documents (fixed seed): every case either parses to a value
/// that round-trips, or throws a `JSONParseError` with an offset inside the document.
@Suite struct FuzzTests {
    static let seeds: [[UInt8]] = [
        #"{"version": "1.0", "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "\u00e9": 3}, "merges": ["a b", ["a", "b"]]}, "dropout": null, "x": [1.5e-3, -0, 12345678901234567890123, true, false]}"#,
        #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#,
        "[\"naïve 中文 😀\", \"\\ud83d\\ude00\\n\\t\\\"\", {\"\": []}]",
    ].map { Array($0.utf8) }

    @Test func corruptedDocuments() throws {
        var rng = SplitMix64(seed: 3)
        let alphabet = Array("{}[]\",:0123456789-+.eE \\u/tfnrl".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xE2, 0xED, 0xF0, 0xFF]
        var accepted = 0, rejected = 0
        for round in 0..<6_000 {
            var bytes = Self.seeds[round % Self.seeds.count]
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                guard !bytes.isEmpty else { break }
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[at] = alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
                case 1: bytes.insert(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)], at: at)
                case 2: bytes.remove(at: at)
                default: bytes = Array(bytes[..<at])
                }
            }
            do {
                let value = try JSONParser.parse(bytes)
                #expect(try JSONParser.parse(JSONWriter.bytes(value)) == value, "\(bytes)")
                accepted += 1
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count, "\(error)")
                #expect(!error.description.contains("\n"))
                rejected += 1
            }
        }
        #expect(accepted > 100 && rejected > 1_000)
    }
}
