import ArgumentParser
import Foundation
import Tensors

@main
struct SwiftQuant: ParsableCommand {
    static func main() {
        MemoryTuning.reuseFreedMemory()
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == ["--version"] { arguments = ["version"] }
        // Environment settings are honoured or refused, never ignored.
        for problem in [ProcessInfoCores.environmentProblem(), OneDNNLinear.environmentProblem()].compactMap({ $0 }) {
            FileHandle.standardError.write(Data(("Error: " + problem + "\n").utf8))
            Foundation.exit(2)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            // Errors are one line: ArgumentParser's parse errors carry help and usage lines after
            // the first; they are replaced by a pointer to --help.
            let message = fullMessage(for: error)
            let lines = message.split(whereSeparator: \.isNewline)
            var line = lines.first.map(String.init) ?? "error"
            if !line.hasPrefix("Error:") { line = "Error: " + line }
            if lines.count > 1 {
                let sub = arguments.first.flatMap { name in configuration.subcommands.first { $0._commandName == name }?._commandName }
                line += " (see 'swiftquant\(sub.map { " " + $0 } ?? "") --help')"
            }
            FileHandle.standardError.write(Data((line + "\n").utf8))
            Foundation.exit(code.rawValue)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "swiftquant",
        abstract: "Post-training quantization for LLM checkpoints: inspect, evaluate, generate.",
        subcommands: [Inspect.self, Eval.self, Generate.self, Quantize.self, ModelSlim.self, Bench.self, Version.self]
    )
}

/// `swiftquant version` (also `swiftquant --version`).
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print SwiftQuant's version.")
    /// The release version; the build's git commit is appended when known.
    static let number = "0.3.0"

    func run() {
        print("swiftquant \(Self.number)")
    }
}
