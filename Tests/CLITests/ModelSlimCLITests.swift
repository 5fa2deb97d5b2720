import Foundation
import Testing

/// `swiftquant modelslim quant` and `modelslim qwen`: msModelSlim's flags, run end to end on
/// stories260K, and bad input refused in one line with nothing written.
@Suite struct ModelSlimCLITests {
    static var reference: URL { CLIRunner.shared.appendingPathComponent("reference/ascend") }

    @Test func quantWithConfigPathAndQuantType() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fromConfig = dir.appendingPathComponent("config")
        let r = try CLIRunner.run(["modelslim", "quant", "--model_path", QuantizeErrorTests.stories, "--save_path", fromConfig.path,
                                   "--config_path", Self.reference.appendingPathComponent("v1_stories_w8a8_static.config.yaml").path,
                                   "--device", "cpu", "--model_type", "default", "--trust_remote_code", "False"])
        #expect(r.status == 0, "\(r.stderr)")
        let description = try String(contentsOf: fromConfig.appendingPathComponent("quant_model_description.json"), encoding: .utf8)
        #expect(description.contains("\"model_quant_type\": \"W8A8\""))
        let w8a16 = dir.appendingPathComponent("w8a16")
        let q = try CLIRunner.run(["modelslim", "quant", "--model_path", QuantizeErrorTests.stories, "--save_path", w8a16.path,
                                   "--quant_type", "w8a16"])
        #expect(q.status == 0, "\(q.stderr)")
        let text = try String(contentsOf: w8a16.appendingPathComponent("quant_model_description.json"), encoding: .utf8)
        #expect(text.contains("\"model_quant_type\": \"W8A16\""))
    }

    @Test func qwenWithKVCacheAndFallback() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("qwen")
        let r = try CLIRunner.run(["modelslim", "qwen", "--model_path", QuantizeErrorTests.stories, "--save_directory", out.path,
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

    @Test func badInputIsOneLineAndWritesNothing() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("never")
        let stories = QuantizeErrorTests.stories
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
