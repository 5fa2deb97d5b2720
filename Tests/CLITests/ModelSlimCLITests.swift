import Foundation
import TestAssets
import Testing

/// `swiftquant modelslim quant` and `modelslim qwen`: msModelSlim's flags, run end to end on
/// the test model, and bad input refused in one line with nothing written.
@Suite struct ModelSlimCLITests {
    static var reference: URL { TestAssets.fixture("recipes/ascend-runs") }

    @Test func quantWithConfigPathAndQuantType() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fromConfig = dir.appendingPathComponent("config")
        let r = try CLIRunner.run(["modelslim", "quant", "--model_path", CLIRunner.testModel, "--save_path", fromConfig.path,
                                   "--config_path", Self.reference.appendingPathComponent("v1_stories_w8a8_static.config.yaml").path,
                                   "--device", "cpu", "--model_type", "default", "--trust_remote_code", "False"])
        #expect(r.status == 0, "\(r.stderr)")
        let description = try String(contentsOf: fromConfig.appendingPathComponent("quant_model_description.json"), encoding: .utf8)
        #expect(description.contains("\"model_quant_type\": \"W8A8\""))
        let w8a16 = dir.appendingPathComponent("w8a16")
        let q = try CLIRunner.run(["modelslim", "quant", "--model_path", CLIRunner.testModel, "--save_path", w8a16.path,
                                   "--quant_type", "w8a16"])
        #expect(q.status == 0, "\(q.stderr)")
        let text = try String(contentsOf: w8a16.appendingPathComponent("quant_model_description.json"), encoding: .utf8)
        #expect(text.contains("\"model_quant_type\": \"W8A16\""))
    }

    @Test func qwenWithKVCacheAndFallback() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("qwen")
        let r = try CLIRunner.run(["modelslim", "qwen", "--model_path", CLIRunner.testModel, "--save_directory", out.path,
                                   "--w_bit", "8", "--a_bit", "8", "--anti_method", "m2", "--calib_file", KVCacheTests.calibration,
                                   "--disable_level", "L1", "--use_kvcache_quant", "True", "--device_type", "cpu"])
        #expect(r.status == 0, "\(r.stderr)")
        let description = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("quant_model_description.json"))) as? [String: Any] ?? [:]
        #expect(description["kv_cache_type"] as? String == "C8")
        // quant_qwen.py's W8A8 default: every down_proj stays float.
        for layer in 0..<5 { #expect(description["model.layers.\(layer).mlp.down_proj.weight"] as? String == "FLOAT") }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("layer_fallback.json").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("default_best_practice.yaml").path))
    }

    static func gptqRecipe(act: String = "", method: String = "gptq") -> String {
        """
        apiversion: modelslim_v1
        spec:
          process:
            - type: linear_quant
              qconfig:
        \(act.isEmpty ? "" : "        act: \(act)\n")        weight: {scope: per_group, dtype: int8, symmetric: False, method: \(method), ext: {group_size: 32}}
              include: ["*"]
              exclude: ["*down_proj"]
          save:
            - type: ascendv1_saver
        """
    }

    /// `method: gptq`: msModelSlim's GPTQ, W8A16 per group (formats.md §2.7).
    @Test func gptqPerGroupWritesW8A16Groups() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("gptq")
        let r = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out.path, "--dataset", KVCacheTests.calibration,
                                   "--recipe", try RecipeFieldTests.write(Self.gptqRecipe(), "gptq.yaml", in: dir).path])
        #expect(r.status == 0, "\(r.stderr)")
        let description = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("quant_model_description.json"))) as? [String: Any] ?? [:]
        #expect(description["group_size"] as? Int == 32)
        #expect(description["model.layers.0.self_attn.q_proj.weight_scale"] as? String == "W8A16")
        let tensors = try KVCacheTests.header(out.appendingPathComponent("quant_model_weights-00001-of-00001.safetensors"))
        #expect(tensors["model.layers.0.self_attn.q_proj.weight_scale"]?.shape == [64, 2])
        #expect(tensors["model.layers.0.mlp.gate_proj.weight_offset"]?.shape == [172, 2])
        // GPTQ changes the rounding that min-max round to nearest gives with the same groups, and at
        // 8 bits stays at the float model's quality. (Which of the two scores better at 8 bits is
        // noise: on the test model both are within 1e-4 of float. That GPTQ lowers a layer's output
        // error is tested on the solver itself, in ModelSlimGPTQTests.)
        let rtn = dir.appendingPathComponent("rtn")
        let q = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", rtn.path,
                                   "--recipe", try RecipeFieldTests.write(Self.gptqRecipe(method: "minmax"), "rtn.yaml", in: dir).path])
        #expect(q.status == 0, "\(q.stderr)")
        let shard = "quant_model_weights-00001-of-00001.safetensors"
        #expect(try Data(contentsOf: out.appendingPathComponent(shard)) != Data(contentsOf: rtn.appendingPathComponent(shard)))
        let float = try KVCacheTests.perplexity(URL(fileURLWithPath: CLIRunner.testModel))
        let gptq = try KVCacheTests.perplexity(out)
        #expect(abs(gptq - float) / float < 1e-3, "GPTQ W8A16 \(gptq), float \(float)")
        let act = try RecipeFieldTests.write(Self.gptqRecipe(act: "{scope: per_tensor, dtype: int8, symmetric: false, method: minmax}"), "act.yaml", in: dir)
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("never").path,
                                              "--recipe", act.path, "--dataset", KVCacheTests.calibration]),
                           mentioning: ["qconfig.weight.method", "GPTQ with quantized activations", "not supported yet"])
        let mse = try RecipeFieldTests.write(Self.gptqRecipe(method: "mse"), "mse.yaml", in: dir)
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("never").path,
                                              "--recipe", mse.path]), mentioning: ["qconfig.weight.method", "mse", "minmax, gptq"])
    }

    @Test func badInputIsOneLineAndWritesNothing() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("never")
        let stories = CLIRunner.testModel
        let quant = ["modelslim", "quant", "--model_path", stories, "--save_path", out.path]
        expectCleanFailure(try CLIRunner.run(["modelslim", "quant", "--model_path", dir.appendingPathComponent("missing").path,
                                              "--save_path", out.path, "--quant_type", "w8a16"]), mentioning: ["--model_path", "does not exist"])
        expectCleanFailure(try CLIRunner.run(quant + ["--quant_type", "w4a4"]), mentioning: ["--quant_type must be one of w8a8, w8a16, w8a8c8"])
        expectCleanFailure(try CLIRunner.run(quant + ["--quant_type", "w8a16", "--device", "npu"]), mentioning: ["--device npu", "CPU only"])
        expectCleanFailure(try CLIRunner.run(quant + ["--config_path", dir.path]), mentioning: ["--config_path", "not a regular file"])
        // A symbolic link as the output is refused, named by msModelSlim's flag.
        let link = dir.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: dir.appendingPathComponent("elsewhere").path)
        expectCleanFailure(try CLIRunner.run(["modelslim", "quant", "--model_path", stories, "--save_path", link.path, "--quant_type", "w8a16"]),
                           mentioning: ["--save_path", "symbolic link"])
        let qwen = ["modelslim", "qwen", "--model_path", stories, "--save_directory", out.path]
        expectCleanFailure(try CLIRunner.run(qwen + ["--anti_method", "m7"]), mentioning: ["--anti_method must be one of m1, m2, m3, m4, m5, m6"])
        expectCleanFailure(try CLIRunner.run(qwen + ["--anti_method", "m5"]), mentioning: ["m5", "CBQ", "not supported yet", "m4 iter_smooth"])
        expectCleanFailure(try CLIRunner.run(qwen + ["--anti_method", "m6"]), mentioning: ["m6", "not supported yet"])
        expectCleanFailure(try CLIRunner.run(qwen + ["--w_bit", "4", "--a_bit", "8"]), mentioning: ["--w_bit 4 --a_bit 8"])
        expectCleanFailure(try CLIRunner.run(qwen + ["--use_kvcache_quant", "maybe"]), mentioning: ["--use_kvcache_quant must be True or False"])
        expectCleanFailure(try CLIRunner.run(qwen + ["--model_type", "qwen1"]), mentioning: ["--model_type qwen1", "not supported"])
        // An over-size or malformed calibration file.
        let malformed = dir.appendingPathComponent("bad.jsonl")
        try Data("{\"inputs_pretokenized\": \"a\"}\n{not json\n".utf8).write(to: malformed)
        expectCleanFailure(try CLIRunner.run(qwen + ["--calib_file", malformed.path]), mentioning: ["bad.jsonl"])
        let fifo = dir.appendingPathComponent("fifo.jsonl")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        expectCleanFailure(try CLIRunner.run(qwen + ["--calib_file", fifo.path]), mentioning: ["--calib_file", "not a regular file"])
        let big = dir.appendingPathComponent("big.yaml")
        #expect(FileManager.default.createFile(atPath: big.path, contents: nil))
        let handle = try FileHandle(forWritingTo: big)
        try handle.truncate(atOffset: 5 << 20)
        try handle.close()
        expectCleanFailure(try CLIRunner.run(quant + ["--config_path", big.path]), mentioning: ["big.yaml", "at most"])
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}

/// fp8 weights and per-token fp8 activations (AscendV1 WFP8AFP8_DYNAMIC), written and evaluated.
@Suite struct ModelSlimFP8Tests {
    @Test func wfp8afp8DynamicIsWrittenAndEvaluated() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let recipe = """
        apiversion: modelslim_v1
        spec:
          process:
            - type: linear_quant
              qconfig:
                weight: {scope: per_channel, dtype: fp8_e4m3, symmetric: true, method: minmax}
                act: {scope: per_token, dtype: fp8_e4m3, symmetric: true, method: minmax}
              include: ["*"]
          save:
            - type: ascendv1_saver
        """
        let out = dir.appendingPathComponent("fp8")
        let r = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out.path,
                                   "--recipe", try RecipeFieldTests.write(recipe, "fp8.yaml", in: dir).path])
        #expect(r.status == 0, "\(r.stderr)")
        let description = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("quant_model_description.json"))) as? [String: Any] ?? [:]
        #expect(description["model_quant_type"] as? String == "WFP8AFP8_DYNAMIC")
        let tensors = try KVCacheTests.header(out.appendingPathComponent("quant_model_weights-00001-of-00001.safetensors"))
        #expect(tensors["model.layers.0.self_attn.q_proj.weight"]?.dtype == "F8_E4M3")
        #expect(tensors["model.layers.0.self_attn.q_proj.weight_scale"]?.shape == [64, 1])
        // The AscendV1 runtime's fp8 arithmetic and compressed-tensors' FP8_DYNAMIC (same max/448
        // rule per channel and per token) give the same model.
        let ct = dir.appendingPathComponent("ct")
        let q = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", ct.path, "--scheme", "FP8_DYNAMIC"])
        #expect(q.status == 0, "\(q.stderr)")
        let ppl = try KVCacheTests.perplexity(out), twin = try KVCacheTests.perplexity(ct)
        let source = try KVCacheTests.perplexity(URL(fileURLWithPath: CLIRunner.testModel))
        #expect(abs(ppl - twin) / twin < 1e-3, "AscendV1 fp8 \(ppl), compressed-tensors FP8_DYNAMIC \(twin)")
        #expect(abs(ppl - source) / source < 0.02, "fp8 \(ppl) vs float \(source)")
    }
}
