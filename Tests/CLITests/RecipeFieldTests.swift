import Foundation
import Testing

/// Recipe fields and flags that used to be dropped silently: each is now applied (with a note
/// where a flag and a recipe both set it) or refused by name.
@Suite("CLI: recipe fields and flags are honoured or refused")
struct RecipeFieldTests {

    static func write(_ text: String, _ name: String, in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    static let staticSlim = """
        apiversion: modelslim_v1
        spec:
          process:
            - type: linear_quant
              qconfig:
                act: {scope: per_tensor, dtype: int8, symmetric: true, method: minmax}
                weight: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}
          dataset: calib.jsonl
          save:
            - type: compressed_tensors
              part_file_size: 4
        """

    @Test func specDatasetIsUsedFromTheRecipeFolder() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let recipe = try Self.write(Self.staticSlim, "w8a8.yaml", in: dir)
        let records = (0..<5).map { #"{"inputs_pretokenized": "Once upon a time there was a little girl number \#($0)."}"# }
        _ = try Self.write(records.joined(separator: "\n") + "\n", "calib.jsonl", in: dir)
        let out = dir.appendingPathComponent("out").path
        let ok = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out, "--recipe", recipe.path, "--samples", "5",
                                    "--part-file-size", "1"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stderr.contains("calibrating on the recipe's spec.dataset"), "\(ok.stderr)")
        #expect(ok.stderr.contains("calibrated on 5 sample(s)"), "one sample per record: \(ok.stderr)")
        #expect(ok.stderr.contains("--part-file-size 1 replaces the recipe's save[0].part_file_size 4"), "\(ok.stderr)")
        // Missing next to the recipe and in the working directory: the field is named.
        let elsewhere = try CLIRunner.temporaryDirectory()
        let moved = try Self.write(Self.staticSlim, "w8a8.yaml", in: elsewhere)
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", elsewhere.appendingPathComponent("o").path,
                                              "--recipe", moved.path]),
                           mentioning: ["spec.dataset 'calib.jsonl' was found neither beside the recipe nor in the working directory"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path) == ["w8a8.yaml"])
    }

    @Test func targetsThatMatchNothingAndIgnoresThatMatchNothing() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let typo = try Self.write(quantizationRecipe("config_groups:\n  g:\n    targets: ['re:.*qproj$']\n    weights: {num_bits: 8}"), "typo.yaml", in: dir)
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("o").path,
                                              "--recipe", typo.path]),
                           mentioning: ["target 're:.*qproj$' matches no module of the model (nearest:", "q_proj"])
        let embedding = try Self.write(quantizationRecipe("config_groups:\n  e:\n    targets: [Embedding]\n    weights: {num_bits: 8}\nignore: [lm_head]"), "emb.yaml", in: dir)
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("o").path,
                                              "--recipe", embedding.path]),
                           mentioning: ["'Embedding' selects model.embed_tokens (Embedding): quantizing embeddings is not supported yet"])
        let foreign = try Self.write(quantizationRecipe("scheme: W8A8\nignore: [lm_head, 're:.*vision_tower.*']"), "ignore.yaml", in: dir)
        let ok = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("ok").path,
                                    "--recipe", foreign.path])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stderr.contains("warning: ignore entry 're:.*vision_tower.*' matches no module of this model"), "\(ok.stderr)")
    }

    @Test func kvCacheAndSecondSaveTargetAreRefusedByName() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let kv = try Self.write(quantizationRecipe("scheme: W8A8\nignore: [lm_head]\nkv_cache_scheme: {num_bits: 8, type: int, strategy: channel, symmetric: true}"), "kv.yaml", in: dir)
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("o").path,
                                              "--recipe", kv.path]),
                           mentioning: ["kv_cache_scheme' (this KV-cache scheme", "is not supported yet"])
        let twoSaves = Self.staticSlim.replacingOccurrences(of: "      part_file_size: 4", with: "      part_file_size: 4\n    - type: compressed_tensors")
        let saves = try Self.write(twoSaves, "saves.yaml", in: dir)
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("o").path,
                                              "--recipe", saves.path]),
                           mentioning: ["'spec.save[1].type' compressed_tensors is listed twice"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["kv.yaml", "saves.yaml"])
    }

    @Test func seqlenBeyondTheModelAndJsonlRecords() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let data = CLIRunner.wiki
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("o").path,
                                              "--scheme", "W8A8_STATIC", "--dataset", data, "--seqlen", "1000"]),
                           mentioning: ["--seqlen 1000 exceeds the model's max_position_embeddings 512"])
        let records = try Self.write((0..<3).map { #"{"text": "Tom had a red ball \#($0)."}"# }.joined(separator: "\n"), "r.jsonl", in: dir)
        let ok = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("out").path,
                                    "--scheme", "W8A8_STATIC", "--dataset", records.path, "--samples", "3", "--json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any]
        let calibration = summary?["calibration"] as? [String: Any]
        #expect(calibration?["samples"] as? Int == 3)
        #expect((calibration?["tokens"] as? Int ?? 0) < 3 * 20, "short records stay short: \(ok.stdout)")
        #expect(summary?["quantized"] as? Int == 35)
        // Without --samples a record file gives every record (as msModelSlim does); more than it holds is refused.
        let all = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("all").path,
                                     "--scheme", "W8A8_STATIC", "--dataset", records.path, "--json"])
        #expect(all.status == 0, "\(all.stderr)")
        let allSummary = try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [String: Any]
        #expect((allSummary?["calibration"] as? [String: Any])?["samples"] as? Int == 3)
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("o2").path,
                                              "--scheme", "W8A8_STATIC", "--dataset", records.path, "--samples", "64"]),
                           mentioning: ["3 record(s); --samples 64 needs 64"])
    }
}

/// An llm-compressor recipe with one QuantizationModifier whose body is `body`.
func quantizationRecipe(_ body: String) -> String {
    "quant_stage:\n  quant_modifiers:\n    QuantizationModifier:\n" + body.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n") + "\n"
}
