import Foundation
import Models
import Safetensors
import Tensors
import TestAssets
import Testing

/// The forward pass against transformers' golden logits and greedy ids (Tests/References, made by
/// scripts/make_references.py).
@Suite("Reference models", .serialized)
struct ReferenceModelTests {
    /// The largest |Δlogit| between one forward pass over the reference's `input_ids` (64 ids from
    /// position 0) and transformers' logits at the reference's `positions`. Storing only some
    /// positions does not shorten the forward pass: every stored row attends over all earlier
    /// tokens, so the tolerance is the same as for a full [64, vocab] comparison.
    static func maxLogitDifference(model url: URL, reference: URL) throws -> Float {
        let lm = try CausalLM.load(try ModelDirectory(url: url))
        let golden = try SafetensorsFile(url: reference)
        let ids = try golden.ints("input_ids")
        let positions = try golden.ints("positions")
        let expected = try golden.floats("logits")
        let logits = try lm.forward(ids)
        let vocab = logits.cols
        try #require(logits.rows == ids.count)
        try #require(try golden.info("logits").shape == [1, positions.count, vocab], "logits shape vs positions and vocab")
        try #require(!positions.isEmpty && positions.allSatisfy { (0..<ids.count).contains($0) }, "positions \(positions)")
        var worst: Float = 0
        for (k, position) in positions.enumerated() {
            for j in 0..<vocab {
                worst = max(worst, abs(logits.data[position * vocab + j] - expected[k * vocab + j]))
            }
        }
        return worst
    }

    @Test func wiki260KReferencesAreForThisModel() throws {
        // A retrained test model makes every golden value stale; name the fix instead of failing on logits.
        let golden = try SafetensorsFile(url: TestAssets.reference("wiki260K.logits.safetensors"))
        var hasher = SHA256Hasher()
        hasher.update(try Data(contentsOf: TestAssets.testModel.appendingPathComponent("model.safetensors")))
        #expect(hasher.finalizeHex() == golden.metadata["model_sha256"],
                "Tests/References were made from another wiki260K: run scripts/make_references.py --model wiki260K")
    }

    @Test func wiki260KLogitsMatchTransformers() throws {
        let diff = try Self.maxLogitDifference(model: TestAssets.testModel,
                                               reference: TestAssets.reference("wiki260K.logits.safetensors"))
        print("wiki260K: max |Δlogit| vs transformers = \(diff)")
        #expect(diff <= 1e-3, "max |Δlogit| = \(diff)")
    }

    @Test func smolLM2LogitsMatchTransformers() throws {
        let diff = try Self.maxLogitDifference(model: try TestAssets.smolLM2(),
                                               reference: TestAssets.reference("smollm2-135m.logits.safetensors"))
        print("smollm2-135m: max |Δlogit| vs transformers = \(diff)")
        #expect(diff <= 2e-3, "max |Δlogit| = \(diff)")
    }

    @Test(arguments: ["wiki260K", "smollm2-135m"])
    func greedyIdsMatchTransformers(name: String) throws {
        let url = name == "wiki260K" ? TestAssets.testModel : try TestAssets.smolLM2()
        let golden = try TestAssets.json(TestAssets.reference("\(name).greedy.json"))
        let prompt = TestAssets.ints(golden["prompt_ids"])
        let expected = TestAssets.ints(golden["new_ids"])
        try #require(!prompt.isEmpty && expected.count == 32)
        let lm = try CausalLM.load(try ModelDirectory(url: url))
        let generated = try lm.generateGreedy(prompt: prompt, maxNewTokens: expected.count)
        #expect(generated == expected)
    }
}
