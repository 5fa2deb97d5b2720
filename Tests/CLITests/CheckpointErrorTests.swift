import Foundation
import TestAssets
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
        let model = try CLIRunner.copyOfTestModel()
        let config = model.appendingPathComponent("config.json")
        try Data("{\"model_type\": ".utf8).write(to: config)
        expectCleanFailure(try CLIRunner.run(["inspect", model.path]), mentioning: ["config.json is not valid JSON"])
        try Data(#"{"model_type": "gpt_neox", "hidden_size": 64}"#.utf8).write(to: config)
        expectCleanFailure(try CLIRunner.run(["eval", "--model", model.path, "--data", "/dev/null"]),
                           mentioning: ["unsupported model_type 'gpt_neox'", "llama, qwen2, qwen3, mistral"])
    }

    @Test func corruptSafetensors() throws {
        let model = try CLIRunner.copyOfTestModel()
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
        let model = try CLIRunner.copyOfTestModel()
        let url = model.appendingPathComponent("tokenizer.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        json["pre_tokenizer"] = ["type": "BertPreTokenizer"]
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        expectCleanFailure(try CLIRunner.run(["eval", "--model", model.path, "--data", "/dev/null"]),
                           mentioning: ["pre_tokenizer", "BertPreTokenizer"])
    }
    /// A model folder with PyTorch pickles or GGUF and no safetensors (the files' bytes are never
    /// read, so they are not valid), and such a file given as --model: one line naming the file
    /// and how to convert it, a non-zero exit, and no output written.
    @Test(arguments: [
        (["pytorch_model.bin"], "pytorch_model.bin", "save_pretrained(out, safe_serialization=True)"),
        (["pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin", "pytorch_model.bin.index.json"],
         "pytorch_model-00001-of-00002.bin and 1 more", "save_pretrained(out, safe_serialization=True)"),
        (["model.pt"], "model.pt", "save_pretrained(out, safe_serialization=True)"),
        (["consolidated.00.pth"], "consolidated.00.pth", "save_pretrained(out, safe_serialization=True)"),
        (["smollm2-135m-Q4_K_M.gguf"], "GGUF weights (smollm2-135m-Q4_K_M.gguf)", "gguf_file=\"smollm2-135m-Q4_K_M.gguf\""),
    ])
    func foreignWeightsAreRefusedWithAConversionHint(files: [String], found: String, hint: String) throws {
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let model = root.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        // A transformers folder has config.json and tokenizer.json beside pickles; a GGUF one
        // usually holds nothing else.
        let isGGUF = files.contains { $0.hasSuffix(".gguf") }
        if !isGGUF {
            for name in ["config.json", "tokenizer.json"] {
                try FileManager.default.copyItem(at: TestAssets.testModel.appendingPathComponent(name),
                                                 to: model.appendingPathComponent(name))
            }
        }
        for name in files { try Data("not really weights".utf8).write(to: model.appendingPathComponent(name)) }
        let output = root.appendingPathComponent("out")
        let data = CLIRunner.wiki
        for arguments in [["inspect", model.path],
                          ["eval", "--model", model.path, "--data", data],
                          ["quantize", "--model", model.path, "--output", output.path, "--scheme", "W4A16"]] {
            let result = try CLIRunner.run(arguments)
            expectCleanFailure(result, mentioning: [model.path, found, hint])
            #expect(result.stdout.isEmpty, "\(arguments[0]) printed: \(result.stdout)")
        }
        // The file itself given as --model.
        let file = model.appendingPathComponent(files[0])
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", file.path, "--output", output.path, "--scheme", "W4A16"]),
                           mentioning: [file.path, "not a model folder", hint])
        #expect(!FileManager.default.fileExists(atPath: output.path), "quantize wrote \(output.path)")
        let left = try FileManager.default.contentsOfDirectory(atPath: root.path)
        #expect(left == ["model"], "files written beside the model: \(left)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: model.path).sorted()
                == (files + (isGGUF ? [] : ["config.json", "tokenizer.json"])).sorted())
    }

    /// Safetensors beside a pickle or a GGUF (transformers folders often ship both): read as usual.
    @Test func safetensorsBesidePicklesAreRead() throws {
        let model = try CLIRunner.copyOfTestModel()
        defer { try? FileManager.default.removeItem(at: model.deletingLastPathComponent()) }
        for name in ["pytorch_model.bin", "model.pt", "model-Q8_0.gguf"] {
            try Data("not really weights".utf8).write(to: model.appendingPathComponent(name))
        }
        let result = try CLIRunner.run(["inspect", model.path])
        #expect(result.status == 0, "inspect failed: \(result.errorLine)")
    }
}
