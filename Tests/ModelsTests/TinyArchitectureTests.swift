import Foundation
import Models
import Safetensors
import TestAssets
import Testing

/// Tiny randomly initialized Qwen2 / Qwen3 / Mistral / Llama variants against transformers' logits
/// (fixtures made by scripts/make_tiny_models.py).
@Suite("Tiny architectures")
struct TinyArchitectureTests {
    static let fixtures = ["qwen2", "qwen2-bf16", "qwen3", "mistral", "llama3-rope", "llama-untied", "llama-rope-legacy"]

    @Test(arguments: fixtures)
    func logitsMatchTransformers(name: String) throws {
        let url = TestAssets.fixture("tiny/\(name)")
        let lm = try CausalLM.load(try ModelDirectory(url: url))
        let golden = try SafetensorsFile(url: url.appendingPathComponent("golden.safetensors"))
        let ids = try golden.ints("input_ids")
        let expected = try golden.floats("logits")
        let logits = try lm.forward(ids)
        try #require(logits.count == expected.count)
        var worst: Float = 0
        for i in 0..<expected.count { worst = max(worst, abs(logits.data[i] - expected[i])) }
        print("\(name): max |Δlogit| vs transformers = \(worst)")
        #expect(worst <= 1e-4, "\(name): max |Δlogit| = \(worst)")
    }

    @Test(arguments: fixtures)
    func greedyMatchesTransformers(name: String) throws {
        let url = TestAssets.fixture("tiny/\(name)")
        let golden = try TestAssets.json(url.appendingPathComponent("golden.json"))
        let greedy = try #require(golden["greedy"] as? [String: Any])
        let lm = try CausalLM.load(try ModelDirectory(url: url))
        let expected = TestAssets.ints(greedy["new_ids"])
        #expect(!expected.isEmpty)
        #expect(try lm.generateGreedy(prompt: TestAssets.ints(greedy["prompt_ids"]), maxNewTokens: expected.count) == expected)
    }

    @Test func cachedDecodingEqualsFullRecompute() throws {
        let lm = try CausalLM.load(try ModelDirectory(url: TestAssets.fixture("tiny/qwen3")))
        let ids = [5, 17, 200, 3, 99, 42, 7, 130, 64, 1]
        let full = try lm.forward(ids)
        var cache: KVCache? = lm.makeCache()
        var last = try lm.hiddenStates(Array(ids.prefix(6)), start: 0, cache: &cache)
        for (offset, id) in ids.dropFirst(6).enumerated() {
            last = try lm.hiddenStates([id], start: 6 + offset, cache: &cache)
        }
        let step = lm.logits(normalized: last)
        let expectedRow = full.row(ids.count - 1)
        for (a, b) in zip(step.data, expectedRow) { #expect(abs(a - b) < 1e-4) }
    }
}
