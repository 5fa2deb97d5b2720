import Foundation
import Testing

/// Every numeric flag of every subcommand, fed edge values (0, ±1, Int.min/max, past Int.max,
/// malformed numbers) and random values of every magnitude: the binary must answer each with a
/// result or a one-line error, never a trap, a signal or a hang.
@Suite("CLI: numeric flags never crash")
struct NumericFlagFuzzTests {
    static var wiki: String { CLIRunner.wiki }

    static let edgeValues = ["0", "-1", "1", "2", "-0", "7", "64", "513", "1048577", "-9223372036854775808",
                             "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                             "99999999999999999999999", "1e3", "0x10", "3.5", "", "abc", " 5", "+4"]

    /// (arguments before the flag, the flag, whether random large valid values are cheap to run)
    static func targets(output: String) -> [([String], String, Bool)] {
        let quantize = ["quantize", "--model", CLIRunner.testModel, "--output", output, "--scheme", "W8A8_STATIC", "--dataset", wiki]
        return [
            (quantize, "--samples", true), (quantize, "--seqlen", true), (quantize, "--dataset-start", true),
            (quantize, "--part-file-size", true),
            (["quantize", "--model", CLIRunner.testModel, "--output", output, "--scheme", "W4A16"], "--group-size", true),
            (quantize + ["--eval-data", wiki, "--eval-tokens", "1024"], "--eval-ctx", true),
            (quantize + ["--eval-data", wiki], "--eval-tokens", true),
            (["eval", "--model", CLIRunner.testModel, "--data", wiki, "--tokens", "1024"], "--ctx", true),
            (["eval", "--model", CLIRunner.testModel, "--data", wiki], "--tokens", true),
            (["generate", "--model", CLIRunner.testModel, "--prompt", "Once"], "--max-tokens", true),
            (["bench", "sgemm", "--repeats", "1"], "--m", false), (["bench", "sgemm", "--repeats", "1"], "--threads", false),
            (["bench", "sgemm", "--m", "8", "--n", "8", "--k", "8"], "--repeats", false),
            (["bench", "bf16-linear", "--repeats", "1", "--n", "16", "--k", "16"], "--m", false),
        ]
    }

    @Test func noValueCrashesTheBinary() throws {
        var rng = OutputSafetyPropertyTests.SplitMix(state: 0x5EED)
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var runs = 0, accepted = 0
        for (index, (base, flag, cheap)) in Self.targets(output: dir.appendingPathComponent("out").path).enumerated() {
            var values = Self.edgeValues
            for _ in 0..<6 {
                // Random magnitudes 2^0 … 2^62, either sign; for the micro-benchmarks a valid size
                // above 4096 is replaced by 8 to keep the run short.
                let bits = Int.random(in: 0...62, using: &rng)
                var value = Int.random(in: 0...(1 << bits), using: &rng)
                if Bool.random(using: &rng) { value = -value }
                if !cheap, value > 4096 && value <= 16384 { value = 8 }
                values.append(String(value))
            }
            for value in values {
                let output = dir.appendingPathComponent("out")
                try? FileManager.default.removeItem(at: output)
                let running = try CLIRunner.start(base + [flag, value])
                let deadline = Date().addingTimeInterval(120)
                while running.process.isRunning && Date() < deadline { usleep(20_000) }
                let hung = running.process.isRunning
                if hung { running.process.terminate() }
                let result = CLIRunner.finish(running)
                let label = "target \(index): \((base + [flag, value]).joined(separator: " "))"
                #expect(!hung, "\(label): still running after 120 s")
                #expect(running.process.terminationReason == .exit, "\(label): killed by signal \(result.status)")
                #expect(result.status < 128, "\(label): exit \(result.status): \(result.stderr)")
                if result.status != 0 {
                    #expect(!result.errorLine.contains("\n"), "\(label): more than one error line: \(result.errorLine)")
                    #expect(result.errorLine.hasPrefix("Error:"), "\(label): \(result.errorLine)")
                } else {
                    accepted += 1
                }
                runs += 1
            }
        }
        print("numeric flag fuzz: \(runs) runs, \(accepted) accepted, \(runs - accepted) refused in one line, none crashed")
        #expect(accepted > 10, "the fuzz never reached a valid run")
    }
}
