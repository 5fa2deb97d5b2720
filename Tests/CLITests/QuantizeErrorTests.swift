import Foundation
import TestAssets
import Testing

/// `swiftquant quantize` with bad input: a clear message and no output directory left behind.
@Suite("CLI: quantize errors")
struct QuantizeErrorTests {

    /// Entries of `dir` other than the ones the test created.
    static func leftovers(_ dir: URL, except: Set<String> = []) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !except.contains($0) }
    }

    @Test func unknownSchemeListsThePresets() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let result = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("out").path, "--scheme", "W5A5"])
        expectCleanFailure(result, mentioning: ["unknown scheme 'W5A5'", "W4A16", "W8A8", "FP8_DYNAMIC"])
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test func groupSizeNotDividingNamesTheLayers() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let result = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("out").path,
                                        "--scheme", "W4A16", "--group-size", "64"])
        expectCleanFailure(result, mentioning: ["model.layers.0.mlp.down_proj (columns=172, group_size=64)", "--ignore"])
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test func recipeErrors() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let recipe = dir.appendingPathComponent("recipe.yaml")
        try Data("""
        quant_stage:
          quant_modifiers:
            QuantizationModifier:
              ignore: [lm_head]
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 8, type: int, symmetric: true, strategy: channel}
                  input_activations: {num_bits: 8, type: int, symmetric: true, strategy: token, dynamic: false}
        """.utf8).write(to: recipe)
        let out = dir.appendingPathComponent("out").path
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out, "--recipe", recipe.path]),
                           mentioning: ["token", "dynamic"])
        try Data("""
        quant_stage:
          quant_modifiers:
            QuantizationModifier:
              ignores: [lm_head]
              scheme: W8A8
        """.utf8).write(to: recipe)
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out, "--recipe", recipe.path]),
                           mentioning: ["unknown key", "ignores"])
        try Data("""
        quant_stage:
          quant_modifiers:
            QuantizationModifier:
              scheme: W8A8
              targets: 12
        """.utf8).write(to: recipe)
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out, "--recipe", recipe.path]),
                           mentioning: ["targets"])
        #expect(try Self.leftovers(dir, except: ["recipe.yaml"]).isEmpty)
    }

    @Test func existingAndUnwritableOutputs() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let existing = dir.appendingPathComponent("existing")
        try FileManager.default.createDirectory(at: existing, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: existing.appendingPathComponent("marker"))
        // A directory SwiftQuant did not write is never replaced, with or without --overwrite.
        for extra in [[], ["--overwrite"]] {
            expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", existing.path, "--scheme", "W8A8"] + extra),
                               mentioning: ["did not write", "nothing was changed"])
            #expect(FileManager.default.fileExists(atPath: existing.appendingPathComponent("marker").path))
        }
        // A parent that is a regular file cannot hold the output (works as root too).
        let file = dir.appendingPathComponent("plainfile")
        try Data().write(to: file)
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", file.appendingPathComponent("out").path, "--scheme", "W8A8"]),
                           mentioning: ["cannot write", "not a directory"])
        #expect(try Self.leftovers(dir).sorted() == ["existing", "plainfile"])
        // A previous output needs --overwrite, and is then replaced only when the new one is complete.
        let previous = dir.appendingPathComponent("previous").path
        let first = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", previous, "--scheme", "W8A16", "--group-size", "4"])
        #expect(first.status == 0, "\(first.stderr)")
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", previous, "--scheme", "W8A8"]),
                           mentioning: ["previous SwiftQuant output", "--overwrite"])
        let ok = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", previous, "--scheme", "W8A8", "--overwrite"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let config = try String(contentsOfFile: previous + "/config.json", encoding: .utf8)
        #expect(config.contains("\"strategy\": \"channel\""), "the W8A8 output replaced the W8A16 one")
        #expect(try Self.leftovers(dir).sorted() == ["existing", "plainfile", "previous"])
    }

    @Test func staticSchemeWithoutDataAsksForIt() throws {
        let dir = try CLIRunner.temporaryDirectory()
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("o").path, "--scheme", "FP8"]),
                           mentioning: ["--dataset"])
        let tooFew = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("o").path, "--scheme", "FP8",
                                        "--dataset", CLIRunner.wiki,
                                        "--samples", "100000", "--seqlen", "512"])
        expectCleanFailure(tooFew, mentioning: ["tokens", "need"])
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test func interruptLeavesNothingBehind() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let data = CLIRunner.wiki
        // A calibrated SmolLM2 run takes seconds: long enough to be interrupted mid-way.
        let smol = try TestAssets.smolLM2().path
        let running = try CLIRunner.start(["quantize", "--model", smol, "--output", dir.appendingPathComponent("out").path,
                                           "--scheme", "W8A8_STATIC", "--dataset", data, "--samples", "64", "--seqlen", "512"])
        var sawTemporary = false
        for _ in 0..<6000 {   // up to 60 s on a loaded CI machine
            if (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.contains(where: { $0.contains(".tmp-") }) == true {
                sawTemporary = true
                break
            }
            usleep(10_000)
        }
        #expect(sawTemporary, "the temporary output never appeared")
        running.process.interrupt()
        let result = CLIRunner.finish(running)
        #expect(result.status == 130, "status \(result.status): \(result.stderr)")
        #expect(result.stderr.contains("interrupted"))
        #expect(try Self.leftovers(dir).isEmpty)
    }
}
