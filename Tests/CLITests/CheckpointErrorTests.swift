import Foundation
import Testing

/// Bad checkpoints through the CLI: a one-line error and a non-zero exit, never a crash.
@Suite("CLI: bad checkpoints")
struct CheckpointErrorTests {
    @Test func missingDirectoryAndConfig() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        expectCleanFailure(try CLIRunner.run(["inspect", dir.appendingPathComponent("nope").path]), mentioning: ["not a directory"])
        expectCleanFailure(try CLIRunner.run(["inspect", dir.path]), mentioning: ["config.json", "missing"])
    }

    @Test func malformedConfigAndUnsupportedModelType() throws {
        let model = try CLIRunner.copyOfStories()
        let config = model.appendingPathComponent("config.json")
        try Data("{\"model_type\": ".utf8).write(to: config)
        expectCleanFailure(try CLIRunner.run(["inspect", model.path]), mentioning: ["config.json is not valid JSON"])
        try Data(#"{"model_type": "gpt_neox", "hidden_size": 64}"#.utf8).write(to: config)
        expectCleanFailure(try CLIRunner.run(["eval", "--model", model.path, "--data", "/dev/null"]),
                           mentioning: ["unsupported model_type 'gpt_neox'", "llama, qwen2, qwen3, mistral"])
    }

    @Test func corruptSafetensors() throws {
        let model = try CLIRunner.copyOfStories()
        let weights = model.appendingPathComponent("model.safetensors")
        let original = try Data(contentsOf: weights)
        let headerLength = Int(original.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })

        // Truncated inside the data section.
        try original.prefix(original.count - 1000).write(to: weights)
        expectCleanFailure(try CLIRunner.run(["inspect", model.path]), mentioning: ["model.safetensors"])

        // Header length pointing past the end of the file.
        var pastEnd = original
        pastEnd.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(original.count * 2).littleEndian) { Data($0) })
        try pastEnd.write(to: weights)
        expectCleanFailure(try CLIRunner.run(["inspect", model.path]), mentioning: ["model.safetensors"])

        // Offsets out of range and a dtype/shape byte-count mismatch, by editing the header JSON.
        let header = String(decoding: original[8..<(8 + headerLength)], as: UTF8.self)
        for (edit, fragment) in [(header.replacingOccurrences(of: "\"dtype\":\"F32\",\"shape\":[512,64]", with: "\"dtype\":\"F32\",\"shape\":[512,65]"), "model.embed_tokens.weight"),
                                 (header.replacingOccurrences(of: "\"dtype\":\"F32\",\"shape\":[512,64]", with: "\"dtype\":\"F16\",\"shape\":[512,64]"), "model.embed_tokens.weight"),
                                 (header.replacingOccurrences(of: "[131072,131328]", with: "[131072,9131328]"), "model.layers.0.input_layernorm.weight")] {
            #expect(edit != header, "the fixture header changed shape; update the test")
            var bytes = Data(edit.utf8)
            while bytes.count < headerLength { bytes.append(0x20) }
            var corrupted = original
            corrupted.replaceSubrange(8..<(8 + headerLength), with: bytes.prefix(headerLength))
            try corrupted.write(to: weights)
            expectCleanFailure(try CLIRunner.run(["inspect", model.path]), mentioning: [fragment])
        }
    }

    @Test func tokenizerWithUnknownComponent() throws {
        let model = try CLIRunner.copyOfStories()
        let url = model.appendingPathComponent("tokenizer.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        json["pre_tokenizer"] = ["type": "BertPreTokenizer"]
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        expectCleanFailure(try CLIRunner.run(["eval", "--model", model.path, "--data", "/dev/null"]),
                           mentioning: ["pre_tokenizer", "BertPreTokenizer"])
    }
}
