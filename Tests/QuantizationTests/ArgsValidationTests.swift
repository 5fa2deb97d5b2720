import Quantization
import Testing

@Suite("Quantization args")
struct ArgsValidationTests {
    @Test func infersStrategyFromGroupSize() throws {
        #expect(try QuantizationArgs(groupSize: 64).validated().strategy == .group)
        #expect(try QuantizationArgs(groupSize: -1).validated().strategy == .channel)
        #expect(try QuantizationArgs().validated().strategy == .tensor)
    }

    @Test func rejectsContradictionsWithTheFix() throws {
        let token = try #require(throws: QuantizationError.self) { try QuantizationArgs(strategy: .token).validated() }
        #expect(token.description.contains("dynamic: true"))
        let group = try #require(throws: QuantizationError.self) { try QuantizationArgs(strategy: .group).validated() }
        #expect(group.description.contains("group_size"))
        let mismatch = try #require(throws: QuantizationError.self) { try QuantizationArgs(groupSize: 64, strategy: .channel).validated() }
        #expect(mismatch.description.contains("strategy: group"))
        #expect(throws: QuantizationError.self) { try QuantizationArgs(numBits: 4, type: .float).validated() }
        #expect(throws: QuantizationError.self) { try QuantizationArgs(strategy: .channel, dynamic: .dynamic).validated() }
        // compressed-tensors 0.19 accepts actorder with any strategy (llm-compressor GPTQ orders channel weights too).
        #expect((try? QuantizationArgs(strategy: .channel, actorder: .weight).validated()) != nil)
    }

    @Test func presetsMatchCompressedTensors() throws {
        let w4 = try QuantizationPreset.scheme(named: "W4A16")
        #expect(w4.weights == QuantizationArgs(numBits: 4, type: .int, symmetric: true, groupSize: 128, strategy: .group))
        #expect(w4.inputActivations == nil)
        let w8a8 = try QuantizationPreset.scheme(named: "w8a8")
        #expect(w8a8.weights?.strategy == .channel)
        #expect(w8a8.inputActivations?.strategy == .token && w8a8.inputActivations?.dynamic == .dynamic)
        let fp8 = try QuantizationPreset.scheme(named: "FP8")
        #expect(fp8.inputActivations?.observer == "static_minmax" && fp8.weights?.strategy == .tensor)
        let unknown = try #require(throws: QuantizationError.self) { try QuantizationPreset.scheme(named: "W3A3") }
        #expect(unknown.description.contains("W4A16_ASYM") && unknown.description.contains("FP8_DYNAMIC"))
    }

    @Test func targetsAndIgnoreMatchLikeCompressedTensors() throws {
        let matcher = try SchemeMatcher(groups: [("group_0", try QuantizationPreset.scheme(named: "W8A8"))],
                                        ignore: ["lm_head", "re:.*down_proj$"])
        #expect(matcher.scheme(forPath: "model.layers.0.self_attn.q_proj", classNames: ["Linear"])?.group == "group_0")
        #expect(matcher.scheme(forPath: "model.layers.0.mlp.down_proj", classNames: ["Linear"]) == nil)
        #expect(matcher.scheme(forPath: "lm_head", classNames: ["Linear"]) == nil)
        // re: is anchored at the start only (Python re.match).
        let prefix = try ModulePattern("re:model.layers.1")
        #expect(prefix.matches(path: "model.layers.12.mlp.up_proj", classNames: []))
        #expect(!prefix.matches(path: "xmodel.layers.1", classNames: []))
        #expect(throws: QuantizationError.self) { try ModulePattern("re:(unclosed") }
    }
}
