import Evaluation
import Foundation
import Models
import TestAssets
import Testing
import Tokenizers

/// E(ctx, T) against transformers' perplexities (the protocol of Tests/References/README.md; Tests/References, made by
/// scripts/make_references.py), within 0.05 % relative.
@Suite("Perplexity", .serialized)
struct PerplexityTests {
    static func check(model url: URL, reference name: String, only ctxFilter: Set<Int>? = nil) throws {
        let directory = try ModelDirectory(url: url)
        let lm = try CausalLM.load(directory)
        let text = try String(contentsOf: TestAssets.wikiText, encoding: .utf8)
        let ids = try directory.tokenizer().encode(text)
        let reference = try TestAssets.json(TestAssets.reference("\(name).perplexity.json"))
        let entries = try #require(reference["perplexity"] as? [[String: Any]])
        #expect(!entries.isEmpty)
        for entry in entries {
            let ctx = try #require((entry["ctx"] as? NSNumber)?.intValue)
            let tokens = try #require((entry["tokens"] as? NSNumber)?.intValue)
            if let ctxFilter, !ctxFilter.contains(ctx) { continue }
            let expected = try #require((entry["ppl"] as? NSNumber)?.doubleValue)
            let result = try Perplexity.evaluate(model: lm, ids: ids, ctx: ctx, tokens: tokens)
            let relative = abs(result.ppl - expected) / expected
            print("\(name) E(\(ctx), \(tokens)) = \(result.ppl) (transformers \(expected), relative \(relative))")
            #expect(relative <= 5e-4, "E(\(ctx), \(tokens)) = \(result.ppl), transformers \(expected)")
            #expect(result.predictions == (entry["predictions"] as? NSNumber)?.intValue)
        }
    }

    @Test func wiki260KPerplexities() throws {
        try Self.check(model: TestAssets.testModel, reference: "wiki260K")
    }

    @Test func smolLM2Perplexity512() throws {
        try Self.check(model: try TestAssets.smolLM2(), reference: "smollm2-135m", only: [512])
    }

    @Test func rejectsBadSettings() throws {
        let lm = try CausalLM.load(try ModelDirectory(url: TestAssets.testModel))
        let ids = Array(repeating: 1, count: 100)
        #expect(throws: EvaluationError.self) { try Perplexity.evaluate(model: lm, ids: ids, ctx: 64, tokens: 100) }
        #expect(throws: EvaluationError.self) { try Perplexity.evaluate(model: lm, ids: ids, ctx: 64, tokens: 128) }
        #expect(throws: EvaluationError.self) { try Perplexity.evaluate(model: lm, ids: ids, ctx: 1, tokens: 64) }
    }
}
