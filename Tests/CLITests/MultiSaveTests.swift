import Foundation
import Testing

/// One calibration, several `save:` targets (msModelSlim writes both into one folder).
@Suite struct MultiSaveTests {
    static func recipe(in dir: URL) throws -> URL {
        let calib = CLIRunner.calibration
        let text = """
        apiversion: modelslim_v1
        spec:
          process:
            - type: linear_quant
              qconfig:
                act: {scope: per_tensor, dtype: int8, symmetric: false, method: minmax}
                weight: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}
              include: ["*"]
          dataset: \(calib)
          save:
            - type: ascendv1_saver
              part_file_size: 4
            - type: compressed_tensors
        """
        return try RecipeFieldTests.write(text, "two-saves.yaml", in: dir)
    }

    @Test func bothFormatsIntoOneFolder() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let r = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel,
                                   "--recipe", try Self.recipe(in: dir).path, "--output", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
        for name in ["quant_model_description.json", "quant_model_weights-00001-of-00001.safetensors",
                     "quant_model_weights.safetensors.index.json", "model.safetensors", "config.json", "tokenizer.json"] {
            #expect(files.contains(name), "\(name) missing: \(files.sorted())")
        }
        // The later saver (compressed-tensors) writes config.json last: it has a quantization_config.
        let config = try String(contentsOf: out.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(config.contains("\"quantization_config\""))
        let description = try String(contentsOf: out.appendingPathComponent("quant_model_description.json"), encoding: .utf8)
        #expect(description.contains("\"model.layers.0.self_attn.q_proj.deq_scale\": \"W8A8\""))
    }

    @Test func separateFolders() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let r = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel,
                                   "--recipe", try Self.recipe(in: dir).path, "--output", out.path, "--save-layout", "separate"])
        #expect(r.status == 0, "\(r.stderr)")
        let ascend = Set(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("ascendv1_saver").path))
        let ct = Set(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("compressed_tensors").path))
        #expect(ascend.contains("quant_model_description.json") && !ascend.contains("model.safetensors"))
        #expect(ct.contains("model.safetensors") && !ct.contains("quant_model_description.json"))
        let config = try String(contentsOf: out.appendingPathComponent("ascendv1_saver/config.json"), encoding: .utf8)
        #expect(!config.contains("quantization_config"))
    }

    @Test func badLayoutIsOneLine() throws {
        let r = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel,
                                   "--scheme", "W8A16", "--output", "/tmp/never-written-\(UUID().uuidString)", "--save-layout", "nested"])
        expectCleanFailure(r, mentioning: ["--save-layout", "shared", "separate"])
    }
}
