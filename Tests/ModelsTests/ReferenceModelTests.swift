import Foundation
import Models
import Safetensors
import Tensors
import Testing

/// The forward pass against transformers' golden logits, greedy ids and perplexities.
@Suite("Reference models", .serialized)
struct ReferenceModelTests {
    static func maxLogitDifference(model url: URL, reference: URL) throws -> Float {
        let directory = try ModelDirectory(url: url)
        let lm = try CausalLM.load(directory)
        let golden = try SafetensorsFile(url: reference)
        let idsInfo = try golden.info("input_ids")
        let ids: [Int] = try golden.withBytes("input_ids") { raw in
            (0..<idsInfo.elementCount).map { Int(raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
        }
        let expected = try golden.floats("logits")
        let logits = try lm.forward(ids)
        #expect(logits.count == expected.count)
        var worst: Float = 0
        for i in 0..<min(logits.count, expected.count) {
            worst = max(worst, abs(logits.data[i] - expected[i]))
        }
        return worst
    }

    @Test func storiesLogitsMatchTransformers() throws {
        let diff = try Self.maxLogitDifference(model: SharedAssets.stories,
                                               reference: SharedAssets.reference("stories260K.logits.safetensors"))
        print("stories260K: max |Δlogit| vs transformers = \(diff)")
        #expect(diff <= 1e-3, "max |Δlogit| = \(diff)")
    }

    @Test func smolLM2LogitsMatchTransformers() throws {
        let diff = try Self.maxLogitDifference(model: try SharedAssets.requireSmolLM2(),
                                               reference: SharedAssets.reference("smollm2-135m.logits.safetensors"))
        print("smollm2-135m: max |Δlogit| vs transformers = \(diff)")
        #expect(diff <= 2e-3, "max |Δlogit| = \(diff)")
    }

    @Test(arguments: ["stories260K", "smollm2-135m"])
    func greedyIdsMatchTransformers(name: String) throws {
        let url = name == "stories260K" ? SharedAssets.stories : try SharedAssets.requireSmolLM2()
        let golden = try SharedAssets.json(SharedAssets.reference("\(name).greedy.json"))
        let prompt = SharedAssets.ints(golden["prompt_ids"])
        let expected = SharedAssets.ints(golden["new_ids"])
        let lm = try CausalLM.load(try ModelDirectory(url: url))
        let generated = try lm.generateGreedy(prompt: prompt, maxNewTokens: expected.count)
        #expect(generated == expected)
    }
}
