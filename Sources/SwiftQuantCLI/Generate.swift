import ArgumentParser
import Formats
import Foundation
import Models
import Tokenizers

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Greedy text generation with a KV cache.")

    @Option(help: "A Hugging Face checkpoint directory, or a Hub id ORG/NAME[@REVISION] resolved through the Hugging Face cache (downloaded if missing; HF_HUB_OFFLINE=1: cache only).")
    var model: String

    @Option(help: "The prompt (encoded without special tokens).")
    var prompt: String

    @Option(help: "Maximum number of new tokens.")
    var maxTokens: Int = 32

    @Flag(help: "Keep generating past the end-of-sequence token.")
    var ignoreEos = false

    func run() throws {
        try reportingErrors {
            guard (1...Limits.maxNewTokens).contains(maxTokens) else {
                throw CLIError("--max-tokens must be 1…\(Limits.maxNewTokens), got \(maxTokens)")
            }
            let directory = try ModelDirectory(url: try ModelLocator.resolve(model))
            let tokenizer = try directory.tokenizer()
            let lm = try QuantizedModelLoader.load(directory)
            let ids = tokenizer.encode(prompt)
            let limit = directory.config.maxPositionEmbeddings
            guard ids.count + maxTokens <= limit else {
                throw CLIError("--max-tokens \(maxTokens): the prompt's \(ids.count) tokens plus \(maxTokens) new ones exceed the model's max_position_embeddings \(limit)")
            }
            let stops = ignoreEos ? [] : Set(directory.config.eosTokenIds)
            let start = Date()
            let newIds = try lm.generateGreedy(prompt: ids, maxNewTokens: maxTokens, stopIds: stops)
            let seconds = Date().timeIntervalSince(start)
            print(prompt + Self.continuation(prompt: ids, new: newIds, tokenizer: tokenizer))
            Terminal.note(String(format: "%d prompt tokens, %d new tokens in %.2f s (%.1f tokens/s)",
                                 ids.count, newIds.count, seconds, Double(newIds.count) / seconds))
        }
    }

    /// The text the new tokens add to the prompt. Decoding them alone loses what depends on
    /// context (sentencepiece's Metaspace decoder drops the leading space of the first token:
    /// "Once" + "upon"), so the whole sequence is decoded and the prompt's decoding removed.
    static func continuation(prompt: [Int], new: [Int], tokenizer: Tokenizer) -> String {
        let head = tokenizer.decode(prompt)
        let whole = tokenizer.decode(prompt + new)
        if whole.hasPrefix(head) { return String(whole.dropFirst(head.count)) }
        return tokenizer.decode(new)
    }
}
