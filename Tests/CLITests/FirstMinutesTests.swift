import Foundation
import Testing

/// What a user meets in the first minutes: --version, generate's text, --group-size -1, inspect of
/// a quantized checkpoint, and errors that name the flag that was given.
@Suite("CLI: first minutes")
struct FirstMinutesTests {
    static var wiki: String { CLIRunner.wiki }

    @Test func version() throws {
        for arguments in [["--version"], ["version"]] {
            let result = try CLIRunner.run(arguments)
            #expect(result.status == 0)
            #expect(result.stdout.hasPrefix("swiftquant "), "\(result.stdout)")
        }
    }

    @Test func generateKeepsTheSpaceBeforeTheFirstNewToken() throws {
        // The test model's tokenizer is sentencepiece (stories260K's): decoding the new tokens alone
        // dropped the "▁" of the first one ("Onceupon" from stories260K, "Once19" from this model).
        let result = try CLIRunner.run(["generate", "--model", CLIRunner.testModel, "--prompt", "Once", "--max-tokens", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("Once "), "\(result.stdout)")
        #expect(result.stdout.dropFirst(5).first.map { !$0.isWhitespace } == true, "\(result.stdout)")
        expectCleanFailure(try CLIRunner.run(["generate", "--model", CLIRunner.testModel, "--prompt", "Once", "--max-tokens", "600"]),
                           mentioning: ["--max-tokens 600", "max_position_embeddings 512"])
    }

    @Test func perChannelGroupSizeAndInspect() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let out = dir.appendingPathComponent("w4").path
        let ok = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out, "--scheme", "W4A16", "--group-size", "-1"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stderr.contains("group_0: 35 Linear(s) quantized (weights int4 channel)"), "\(ok.stderr)")
        let inspect = try CLIRunner.run(["inspect", out])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("quantization: compressed-tensors, format pack-quantized"), "\(inspect.stdout)")
        #expect(inspect.stdout.contains("group_0 [Linear]: weights int4 channel"), "\(inspect.stdout)")
        #expect(inspect.stdout.contains("written by swiftquant quantize"), "\(inspect.stdout)")
        let source = try CLIRunner.run(["inspect", CLIRunner.testModel])
        #expect(source.stdout.contains("quantization: none"), "\(source.stdout)")
        expectCleanFailure(try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("g0").path,
                                              "--scheme", "W4A16", "--group-size", "0"]),
                           mentioning: ["--group-size must be -1 (per channel) or 1…"])
    }

    @Test func evalFlagsAreNamedInErrors() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let base = ["quantize", "--model", CLIRunner.testModel, "--output", dir.appendingPathComponent("o").path, "--scheme", "W8A8"]
        expectCleanFailure(try CLIRunner.run(base + ["--eval-data", Self.wiki, "--eval-ctx", "1024", "--eval-tokens", "2048"]),
                           mentioning: ["--eval-ctx 1024 exceeds the model's max_position_embeddings 512"])
        expectCleanFailure(try CLIRunner.run(base + ["--eval-data", Self.wiki, "--eval-tokens", "1000"]),
                           mentioning: ["--eval-tokens must be a positive multiple of --eval-ctx (512)"])
        expectCleanFailure(try CLIRunner.run(base + ["--eval-data", dir.appendingPathComponent("missing.txt").path, "--eval-tokens", "1024"]),
                           mentioning: ["--eval-data", "cannot read"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
