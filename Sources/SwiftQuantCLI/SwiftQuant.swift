import ArgumentParser
import Tensors

@main
struct SwiftQuant: ParsableCommand {
    static func main() {
        MemoryTuning.reuseFreedMemory()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "swiftquant",
        abstract: "Post-training quantization for LLM checkpoints: inspect, evaluate, generate.",
        subcommands: [Inspect.self, Eval.self, Generate.self, Quantize.self, Bench.self]
    )
}
