import Foundation
import Testing

/// Environment settings are honoured or refused by name: a bad value is a one-line error and a
/// non-zero exit before any work starts.
@Suite("CLI: environment settings")
struct EnvironmentErrorTests {
    @Test(arguments: [("SWIFTQUANT_BF16_GEMM", "fast", "auto, onednn, portable"),
                      ("SWIFTQUANT_THREADS", "0", "1…1024"),
                      ("SWIFTQUANT_THREADS", "two", "1…1024")])
    func badValueIsRefused(name: String, value: String, hint: String) throws {
        expectCleanFailure(try CLIRunner.run(["version"], environment: [name: value]), mentioning: ["\(name)=\(value)", hint])
    }

    @Test(arguments: ["auto", "portable", ""])
    func knownKernelChoicesRun(value: String) throws {
        let result = try CLIRunner.run(["version"], environment: ["SWIFTQUANT_BF16_GEMM": value])
        #expect(result.status == 0, "\(result.stderr)")
    }
}
