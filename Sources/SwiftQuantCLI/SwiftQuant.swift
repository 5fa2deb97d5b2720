import ArgumentParser

@main
struct SwiftQuant: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftquant",
        abstract: "Post-training quantization for LLM checkpoints: inspect, evaluate, generate.",
        subcommands: [Inspect.self, Eval.self, Generate.self, Quantize.self, Bench.self]
    )
}
