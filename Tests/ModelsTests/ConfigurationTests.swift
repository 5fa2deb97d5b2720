import Foundation
import JSON
import Models
import TestAssets
import Testing

@Suite("Model configuration")
struct ConfigurationTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftquant-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func decode(_ json: String) throws -> ModelConfiguration {
        let object = try JSONParser.parse(Array(json.utf8)).objectValue ?? [:]
        return try ModelConfiguration.decode(object)
    }

    static let base = #""hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 256"#

    @Test func decodesTheTestModel() throws {
        let config = try ModelConfiguration.load(from: TestAssets.testModel.appendingPathComponent("config.json"))
        #expect(config.architecture == .llama)
        #expect(config.hiddenSize == 64 && config.intermediateSize == 172 && config.numLayers == 5)
        #expect(config.numHeads == 8 && config.numKVHeads == 4 && config.headDim == 8)
        #expect(config.tieWordEmbeddings && config.ropeTheta == 10000 && config.ropeScaling == .none)
    }

    @Test func ropeParametersAndLegacyLayoutAgree() throws {
        let modern = try Self.decode(#"{"model_type": "llama", \#(Self.base), "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}"#)
        let legacy = try Self.decode(#"{"model_type": "llama", \#(Self.base), "rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}"#)
        #expect(modern == legacy)
        #expect(modern.ropeTheta == 500000)
        #expect(modern.ropeScaling == .llama3(factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192))
    }

    @Test func architectureSpecifics() throws {
        let qwen2 = try Self.decode(#"{"model_type": "qwen2", \#(Self.base)}"#)
        #expect(qwen2.qkvBias && !qwen2.outputBias && !qwen2.qkNorm)
        let qwen3 = try Self.decode(#"{"model_type": "qwen3", \#(Self.base), "head_dim": 32}"#)
        #expect(qwen3.qkNorm && qwen3.headDim == 32 && !qwen3.qkvBias)
        let mistral = try Self.decode(#"{"model_type": "mistral", \#(Self.base), "sliding_window": 16}"#)
        #expect(mistral.slidingWindows == [16, 16])
        let llama = try Self.decode(#"{"model_type": "llama", \#(Self.base), "attention_bias": true, "mlp_bias": true}"#)
        #expect(llama.qkvBias && llama.outputBias && llama.mlpBias)
    }

    @Test func unsupportedModelTypeListsSupportedOnes() throws {
        let error = try #require(throws: ModelError.self) { try Self.decode(#"{"model_type": "gpt2", \#(Self.base)}"#) }
        #expect(error.description.contains("unsupported model_type 'gpt2'"))
        #expect(error.description.contains("llama, qwen2, qwen3, mistral"))
        #expect(!error.description.contains("\n"))
    }

    @Test func invalidFieldsAreNamed() throws {
        let missing = try #require(throws: ModelError.self) { try Self.decode(#"{"model_type": "llama", "hidden_size": 64}"#) }
        #expect(missing.description.contains("missing required key"))
        let wrongType = try #require(throws: ModelError.self) { try Self.decode(#"{"model_type": "llama", \#(Self.base), "rope_theta": "big"}"#) }
        #expect(wrongType.description.contains("rope_theta"))
        let badGroups = try #require(throws: ModelError.self) { try Self.decode(#"{"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 3, "vocab_size": 256}"#) }
        #expect(badGroups.description.contains("num_key_value_heads"))
        let rope = try #require(throws: ModelError.self) { try Self.decode(#"{"model_type": "llama", \#(Self.base), "rope_scaling": {"rope_type": "yarn", "factor": 4.0}}"#) }
        #expect(rope.description.contains("unsupported rope type 'yarn'"))
    }

    @Test func integersOutOfRangeAreErrorsNotTraps() throws {
        let base = #""model_type": "llama", "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 256"#
        for (field, fragment) in [(#""hidden_size": 4611686018427387904"#, "hidden_size must be 1…1048576"),
                                  (#""hidden_size": 1e30"#, "hidden_size 1e+30 is out of range"),
                                  (#""hidden_size": 64, "max_position_embeddings": -5"#, "max_position_embeddings must be 1…"),
                                  (#""hidden_size": 64, "num_hidden_layers": 9999999"#, "num_hidden_layers must be 1…4096"),
                                  (#""hidden_size": 64, "eos_token_id": [2, 99999]"#, "eos_token_id 99999 is outside the vocabulary")] {
            let error = try #require(throws: ModelError.self) { try Self.decode("{\(base), \(field)}") }
            #expect(error.description.contains(fragment), "\(error.description)")
        }
    }

    @Test func missingAndMalformedConfigFiles() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try #require(throws: ModelError.self) { try ModelDirectory(url: dir) }
        #expect(missing.description.contains("config.json"))
        try Data("{ not json".utf8).write(to: dir.appendingPathComponent("config.json"))
        let malformed = try #require(throws: ModelError.self) { try ModelDirectory(url: dir) }
        #expect(malformed.description.contains("not valid JSON"))
        try Data("[1, 2]".utf8).write(to: dir.appendingPathComponent("config.json"))
        let notObject = try #require(throws: ModelError.self) { try ModelDirectory(url: dir) }
        #expect(notObject.description.contains("not a JSON object"))
        let notDirectory = try #require(throws: ModelError.self) { try ModelDirectory(url: dir.appendingPathComponent("nope")) }
        #expect(notDirectory.description.contains("not a directory"))
    }
}
