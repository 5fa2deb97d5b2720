import Foundation
import TestAssets
import Testing

/// Runs the built `swiftquant` executable and captures its exit status and output.
struct CLIRunner {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        /// The error text with ArgumentParser's "Error: " prefix removed.
        var errorLine: String { stderr.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The test model (wiki260K), the corpus and the 16-text calibration file, as command-line paths.
    static var testModel: String { TestAssets.testModel.path }
    static var wiki: String { TestAssets.wikiText.path }
    static var calibration: String { TestAssets.fixture("recipes/ascend-runs/calib_stories.jsonl").path }

    /// The executable next to the test bundle (swift build --build-tests builds it).
    static func executable() throws -> URL {
        var candidates: [URL] = []
        let argument0 = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        candidates.append(argument0.appendingPathComponent("swiftquant"))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("swiftquant"))
        for c in candidates where FileManager.default.isExecutableFile(atPath: c.path) { return c }
        throw CLITestError("swiftquant executable not found next to the test bundle (run swift build --build-tests)")
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = try start(arguments, environment: environment)
        return finish(process)
    }

    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> RunningProcess {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return RunningProcess(process: process, out: out, err: err)
    }

    static func finish(_ running: RunningProcess) -> Result {
        let stdout = running.out.fileHandleForReading.readDataToEndOfFile()
        let stderr = running.err.fileHandleForReading.readDataToEndOfFile()
        running.process.waitUntilExit()
        return Result(status: running.process.terminationStatus,
                      stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftquant-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A copy of the test model that a test may corrupt.
    static func copyOfTestModel() throws -> URL {
        let dir = try temporaryDirectory().appendingPathComponent("model")
        try FileManager.default.copyItem(at: TestAssets.testModel, to: dir)
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: dir.appendingPathComponent(name).path)
        }
        return dir
    }
}

struct RunningProcess {
    let process: Process
    let out: Pipe
    let err: Pipe
}

struct CLITestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One line, no crash: the CLI's contract for bad input.
func expectCleanFailure(_ result: CLIRunner.Result, mentioning fragments: [String],
                        sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status != 0, "exit status 0 for a bad input", sourceLocation: sourceLocation)
    #expect(result.status < 128, "terminated by a signal (crash?): \(result.status)", sourceLocation: sourceLocation)
    let lines = result.errorLine.split(separator: "\n")
    #expect(lines.count == 1, "expected one error line, got: \(result.errorLine)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(result.errorLine.contains(fragment), "'\(fragment)' not in: \(result.errorLine)", sourceLocation: sourceLocation)
    }
}
