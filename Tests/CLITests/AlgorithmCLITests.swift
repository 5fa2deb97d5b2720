import Foundation
import Testing

/// `--algorithm gptq` and GPTQ recipes through the executable.
@Suite("quantize with calibrated algorithms")
struct AlgorithmCLITests {
    static var wiki: String { CLIRunner.wiki }
    static let gptqArguments = ["--scheme", "W4A16", "--group-size", "64", "--algorithm", "gptq",
                                "--ignore", "lm_head", "--ignore", "re:.*down_proj$",
                                "--samples", "16", "--seqlen", "128", "--dataset-start", "half"]

    @Test func gptqIsDeterministicWhateverTheThreadCount() throws {
        let folder = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var outputs: [Data] = []
        for (index, threads) in ["1", "2", "3", "2"].enumerated() {
            let out = folder.appendingPathComponent("out\(index)").path
            let result = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--dataset", Self.wiki, "--output", out] + Self.gptqArguments,
                                           environment: ["SWIFTQUANT_THREADS": threads])
            #expect(result.status == 0, "\(result.stderr)")
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("model.safetensors")))
            let config = try String(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("config.json"), encoding: .utf8)
            #expect(config.contains("\"actorder\": \"static\""))
            let recipe = try String(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("recipe.yaml"), encoding: .utf8)
            #expect(recipe.contains("GPTQModifier:"))
        }
        #expect(Set(outputs).count == 1, "GPTQ outputs differ between thread counts 1, 2, 3 and a repeated 2")
    }

    @Test func gptqDiffersFromRoundToNearestAndTheRecipeRunsTheSame() throws {
        let folder = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let viaFlag = folder.appendingPathComponent("flag").path
        #expect(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--dataset", Self.wiki, "--output", viaFlag] + Self.gptqArguments).status == 0)
        // The recipe SwiftQuant saved beside the output reproduces it.
        let recipe = folder.appendingPathComponent("recipe.yaml")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: viaFlag).appendingPathComponent("recipe.yaml"), to: recipe)
        let viaRecipe = folder.appendingPathComponent("recipe-out").path
        let run = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--recipe", recipe.path, "--dataset", Self.wiki,
                                     "--samples", "16", "--seqlen", "128", "--dataset-start", "half", "--output", viaRecipe])
        #expect(run.status == 0, "\(run.stderr)")
        let rtn = folder.appendingPathComponent("rtn").path
        #expect(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--scheme", "W4A16", "--group-size", "64",
                                   "--ignore", "lm_head", "--ignore", "re:.*down_proj$", "--output", rtn]).status == 0)
        let weights = { (path: String) in try Data(contentsOf: URL(fileURLWithPath: path).appendingPathComponent("model.safetensors")) }
        #expect(try weights(viaFlag) == weights(viaRecipe))
        #expect(try weights(viaFlag) != weights(rtn))
    }

    @Test func badAlgorithmInputIsOneLine() throws {
        let folder = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out").path
        let base = ["quantize", "--model", CLIRunner.testModel, "--output", out, "--scheme", "W4A16", "--group-size", "64",
                    "--ignore", "lm_head", "--ignore", "re:.*down_proj$"]
        expectCleanFailure(try CLIRunner.run(base + ["--algorithm", "gptq"]), mentioning: ["GPTQModifier needs calibration data"])
        expectCleanFailure(try CLIRunner.run(base + ["--algorithm", "sparsegpt"]), mentioning: ["--algorithm"])
        expectCleanFailure(try CLIRunner.run(base + ["--dampening-frac", "0.1"]), mentioning: ["--dampening-frac applies to --algorithm gptq"])
        expectCleanFailure(try CLIRunner.run(base + ["--algorithm", "gptq", "--block-size", "0", "--dataset", Self.wiki]),
                           mentioning: ["--block-size must be 1…65536"])
        expectCleanFailure(try CLIRunner.run(base + ["--algorithm", "gptq", "--actorder", "group", "--dataset", Self.wiki]),
                           mentioning: ["--actorder must be static, weight or none"])
        let recipe = folder.appendingPathComponent("r.yaml")
        try "s_stage:\n  s_modifiers:\n    GPTQModifier:\n      scheme: W4A16\n      percdamp: 0.1\n".write(to: recipe, atomically: true, encoding: .utf8)
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out, "--recipe", recipe.path, "--dataset", Self.wiki]),
                           mentioning: ["percdamp"])
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}

@Suite("quantize with SmoothQuant")
struct SmoothQuantCLITests {
    @Test func smoothQuantThenGPTQRunsAndItsRecipeReproducesIt() throws {
        let folder = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("sq").path
        let common = ["--samples", "16", "--seqlen", "128", "--dataset-start", "half", "--dataset", AlgorithmCLITests.wiki]
        let run = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--scheme", "W8A8", "--algorithm", "smoothquant+gptq",
                                     "--smoothing-strength", "0.8", "--output", out] + common)
        #expect(run.status == 0, "\(run.stderr)")
        let recipe = try String(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("recipe.yaml"), encoding: .utf8)
        #expect(recipe.contains("SmoothQuantModifier:\n      smoothing_strength: 0.8\n    GPTQModifier:"))
        let again = folder.appendingPathComponent("again").path
        let recipeFile = folder.appendingPathComponent("r.yaml")
        try recipe.write(to: recipeFile, atomically: true, encoding: .utf8)
        #expect(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--recipe", recipeFile.path, "--output", again] + common).status == 0)
        let weights = { (path: String) in try Data(contentsOf: URL(fileURLWithPath: path).appendingPathComponent("model.safetensors")) }
        #expect(try weights(out) == weights(again))
        // Smoothing changed the norms that are written in float.
        let gptqOnly = folder.appendingPathComponent("gptq").path
        #expect(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--scheme", "W8A8", "--algorithm", "gptq",
                                   "--output", gptqOnly] + common).status == 0)
        #expect(try weights(out) != weights(gptqOnly))
    }

    @Test func badSmoothQuantInputIsOneLineAndWritesNothing() throws {
        let folder = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out").path
        func recipe(_ body: String) throws -> String {
            let file = folder.appendingPathComponent("r\(UUID().uuidString).yaml")
            try ("s_stage:\n  s_modifiers:\n    SmoothQuantModifier:\n" + body + "    GPTQModifier: {scheme: W8A8, ignore: [lm_head]}\n")
                .write(to: file, atomically: true, encoding: .utf8)
            return file.path
        }
        let common = ["quantize", "--model", CLIRunner.testModel, "--output", out, "--dataset", AlgorithmCLITests.wiki,
                      "--samples", "4", "--seqlen", "32"]
        expectCleanFailure(try CLIRunner.run(common + ["--recipe", try recipe("      mappings:\n        - [['re:.*q_proj'], 're:.*pre_feedforward_layernorm']\n")]),
                           mentioning: ["mapping smooth layer 're:.*pre_feedforward_layernorm' names no module"])
        expectCleanFailure(try CLIRunner.run(common + ["--recipe", try recipe("      smoothing_strength: 1.5\n")]),
                           mentioning: ["smoothing_strength' must be a number from 0 to 1"])
        expectCleanFailure(try CLIRunner.run(common + ["--recipe", try recipe("      algorithm: awq\n")]),
                           mentioning: ["algorithm"])
        expectCleanFailure(try CLIRunner.run(common + ["--scheme", "W8A8", "--smoothing-strength", "0.5"]),
                           mentioning: ["--smoothing-strength applies to --algorithm smoothquant+gptq"])
        #expect(!FileManager.default.fileExists(atPath: out))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasSuffix(".yaml") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}

@Suite("quantize with AWQ")
struct AWQCLITests {
    static let common = ["--scheme", "W4A16", "--group-size", "64", "--ignore", "lm_head", "--ignore", "re:.*down_proj$",
                         "--samples", "8", "--seqlen", "64", "--dataset-start", "half", "--dataset", AlgorithmCLITests.wiki]

    @Test func awqRunsItsRecipeReproducesItAndItChangesTheNorms() throws {
        let folder = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("awq").path
        let run = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--algorithm", "awq", "--awq-clip", "--output", out] + Self.common)
        #expect(run.status == 0, "\(run.stderr)")
        let recipe = try String(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("recipe.yaml"), encoding: .utf8)
        #expect(recipe.contains("AWQModifier:\n      duo_scaling: true\n      n_grid: 20\n      apply_clip: true"))
        let recipeFile = folder.appendingPathComponent("r.yaml")
        try recipe.write(to: recipeFile, atomically: true, encoding: .utf8)
        let again = folder.appendingPathComponent("again").path
        let rerun = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--recipe", recipeFile.path, "--output", again,
                                       "--samples", "8", "--seqlen", "64", "--dataset-start", "half", "--dataset", AlgorithmCLITests.wiki])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let weights = { (path: String) in try Data(contentsOf: URL(fileURLWithPath: path).appendingPathComponent("model.safetensors")) }
        #expect(try weights(out) == weights(again))
        let rtn = folder.appendingPathComponent("rtn").path
        #expect(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", rtn] + Self.common).status == 0)
        #expect(try weights(out) != weights(rtn))
    }

    @Test func badAWQInputIsOneLineAndWritesNothing() throws {
        let folder = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out").path
        func recipe(_ body: String) throws -> String {
            let file = folder.appendingPathComponent("r\(UUID().uuidString).yaml")
            try ("s_stage:\n  s_modifiers:\n    AWQModifier:\n" + body + "    QuantizationModifier: {scheme: W8A8, ignore: [lm_head]}\n")
                .write(to: file, atomically: true, encoding: .utf8)
            return file.path
        }
        let base = ["quantize", "--model", CLIRunner.testModel, "--output", out, "--dataset", AlgorithmCLITests.wiki,
                    "--samples", "4", "--seqlen", "32"]
        expectCleanFailure(try CLIRunner.run(base + ["--recipe", try recipe("      mappings:\n        - smooth_layer: re:.*pre_feedforward_layernorm\n          balance_layers: ['re:.*q_proj']\n")]),
                           mentioning: ["AWQModifier.mappings: mapping smooth layer 're:.*pre_feedforward_layernorm' names no module"])
        expectCleanFailure(try CLIRunner.run(base + ["--recipe", try recipe("      mappings:\n        - smooth_layer: re:.*input_layernorm\n          balance_layers: ['re:.*w_qkv']\n")]),
                           mentioning: ["mapping balance layer 're:.*w_qkv' names no Linear"])
        expectCleanFailure(try CLIRunner.run(base + ["--recipe", try recipe("      protect_ratio: 0.1\n")]), mentioning: ["protect_ratio"])
        expectCleanFailure(try CLIRunner.run(base + ["--scheme", "W8A16", "--n-grid", "10"]), mentioning: ["--n-grid applies to --algorithm awq"])
        expectCleanFailure(try CLIRunner.run(base + ["--scheme", "W8A16", "--algorithm", "awq", "--duo-scaling", "maybe"]),
                           mentioning: ["--duo-scaling must be true, false or both"])
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out, "--scheme", "W8A8", "--algorithm", "awq"]),
                           mentioning: ["AWQModifier needs calibration data"])
        #expect(!FileManager.default.fileExists(atPath: out))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasSuffix(".yaml") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
