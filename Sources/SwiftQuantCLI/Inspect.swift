import ArgumentParser
import Foundation
import Models
import Safetensors
import Tensors

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a checkpoint's architecture, parameter count, dtypes, shards and tokenizer.")

    @Argument(help: "A Hugging Face checkpoint directory.")
    var model: String

    func run() throws {
        try reportingErrors {
            let directory = try ModelDirectory(url: URL(fileURLWithPath: model))
            let c = directory.config
            var dtypeCounts: [String: Int] = [:]
            var stored = 0
            for name in directory.weights.tensorNames {
                let info = try directory.weights.info(name)
                dtypeCounts[info.dtype.rawValue, default: 0] += info.elementCount
                stored += info.elementCount
            }
            let dtypes = dtypeCounts.sorted { $0.value > $1.value }.map { "\($0.key) \(formatCount($0.value))" }.joined(separator: ", ")
            print("model:        \(directory.url.path)")
            print("architecture: \(c.architecture.rawValue), \(c.numLayers) layers, hidden \(c.hiddenSize), intermediate \(c.intermediateSize)")
            print("attention:    \(c.numHeads) heads, \(c.numKVHeads) kv heads, head_dim \(c.headDim), rope theta \(c.ropeTheta) (\(describe(c.ropeScaling)))")
            print("vocabulary:   \(c.vocabSize), tied embeddings: \(c.tieWordEmbeddings ? "yes" : "no")")
            print("parameters:   \(formatCount(c.parameterCount)) (stored tensors hold \(formatCount(stored)) values)")
            print("dtypes:       \(dtypes)")
            print("shards:       \(directory.weights.shardURLs.map(\.lastPathComponent).joined(separator: ", ")) (\(directory.weights.tensorNames.count) tensors)")
            if FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("tokenizer.json").path) {
                let tokenizer = try directory.tokenizer()
                print("tokenizer:    \(tokenizer.kind), \(tokenizer.vocabularySize) tokens")
            } else {
                print("tokenizer:    none (no tokenizer.json)")
            }
        }
    }

    private func describe(_ scaling: RopeScaling) -> String {
        switch scaling {
        case .none: return "default"
        case .linear(let f): return "linear ×\(f)"
        case .llama3(let f, _, _, let original): return "llama3 ×\(f), original \(original)"
        }
    }
}

func formatCount(_ n: Int) -> String {
    if n >= 1_000_000_000 { return String(format: "%.2fB", Double(n) / 1e9) }
    if n >= 1_000_000 { return String(format: "%.1fM", Double(n) / 1e6) }
    if n >= 1_000 { return String(format: "%.1fK", Double(n) / 1e3) }
    return "\(n)"
}
