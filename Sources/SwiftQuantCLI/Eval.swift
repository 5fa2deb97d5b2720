import ArgumentParser
import Evaluation
import Foundation
import Formats
import JSON
import Models
import Tensors

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Perplexity E(ctx, T) of a checkpoint on a text file: the first T tokens in non-overlapping windows of ctx (docs/ARCHITECTURE.md, Evaluation).")

    @Option(help: "A Hugging Face checkpoint directory, or a Hub id ORG/NAME[@REVISION] resolved through the Hugging Face cache (downloaded if missing; HF_HUB_OFFLINE=1: cache only).")
    var model: String

    @Option(help: "A UTF-8 text file, encoded whole without special tokens.")
    var data: String

    @Option(help: "Window length in tokens.")
    var ctx: Int = 512

    @Option(help: "Tokens evaluated from the start of the file (a multiple of --ctx).")
    var tokens: Int = 8192

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func run() throws {
        try reportingErrors {
            guard (2...Limits.maxSequence).contains(ctx) else { throw CLIError("--ctx must be 2…\(Limits.maxSequence), got \(ctx)") }
            guard tokens > 0, tokens <= Limits.maxEvalTokens, tokens % ctx == 0 else {
                throw CLIError("--tokens must be a positive multiple of --ctx (\(ctx)) up to \(Limits.maxEvalTokens), got \(tokens)")
            }
            let loadStart = Date()
            let directory = try ModelDirectory(url: try ModelLocator.resolve(model))
            let tokenizer = try directory.tokenizer()
            let text = try readText(data)
            let lm = try QuantizedModelLoader.load(directory)
            let ids = tokenizer.encode(text)
            let loadSeconds = Date().timeIntervalSince(loadStart)
            let result = try Perplexity.evaluate(model: lm, ids: ids, ctx: ctx, tokens: tokens) { done, total in
                Terminal.progress("window \(done)/\(total)")
            }
            Terminal.endProgress()
            if Profile.enabled { FileHandle.standardError.write(Data((Profile.report() + "\n").utf8)) }
            let tokensPerSecond = Double(result.tokens) / result.seconds
            if json {
                let object: JSONValue = [
                    "ctx": .int(result.ctx), "tokens": .int(result.tokens), "ppl": .double(result.ppl),
                    "predictions": .int(result.predictions), "eval_seconds": .double(result.seconds),
                    "load_seconds": .double(loadSeconds), "tokens_per_second": .double(tokensPerSecond),
                ]
                print(JSONWriter.string(object, layout: .foundation(prettyPrinted: false, sortedKeys: true)))
            } else {
                print(String(format: "E(%d, %d) = %.6f  (%d predictions, %.2f s, %.1f tokens/s; load + tokenize %.2f s)",
                             result.ctx, result.tokens, result.ppl, result.predictions, result.seconds,
                             tokensPerSecond, loadSeconds))
            }
        }
    }
}

/// Reads a UTF-8 text file with a one-line error naming the flag that gave it.
func readText(_ path: String, flag: String = "--data") throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CLIError("\(flag) \(path): cannot read the file")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw CLIError("\(flag) \(path): not valid UTF-8 text")
    }
    return text
}
