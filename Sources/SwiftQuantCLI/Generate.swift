import ArgumentParser
import Formats
import Foundation
import Models

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Greedy text generation with a KV cache.")

    @Option(help: "A Hugging Face checkpoint directory.")
    var model: String

    @Option(help: "The prompt (encoded without special tokens).")
    var prompt: String

    @Option(help: "Maximum number of new tokens.")
    var maxTokens: Int = 32

    @Flag(help: "Keep generating past the end-of-sequence token.")
    var ignoreEos = false

    func run() throws {
        try reportingErrors {
            guard maxTokens > 0 else { throw CLIError("--max-tokens must be positive") }
            let directory = try ModelDirectory(url: URL(fileURLWithPath: model))
            let tokenizer = try directory.tokenizer()
            let lm = try QuantizedModelLoader.load(directory)
            let ids = tokenizer.encode(prompt)
            let stops = ignoreEos ? [] : Set(directory.config.eosTokenIds)
            let start = Date()
            let newIds = try lm.generateGreedy(prompt: ids, maxNewTokens: maxTokens, stopIds: stops)
            let seconds = Date().timeIntervalSince(start)
            print(prompt + tokenizer.decode(newIds))
            Terminal.note(String(format: "%d prompt tokens, %d new tokens in %.2f s (%.1f tokens/s)",
                                 ids.count, newIds.count, seconds, Double(newIds.count) / seconds))
        }
    }
}
