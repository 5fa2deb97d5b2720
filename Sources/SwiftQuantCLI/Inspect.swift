import ArgumentParser
import Foundation
import JSON
import Models
import Pipeline
import Safetensors
import Tensors

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a checkpoint's architecture, parameter count, dtypes, shards and tokenizer.")

    @Argument(help: "A Hugging Face checkpoint directory, or a Hub id ORG/NAME[@REVISION] resolved through the Hugging Face cache (downloaded if missing; HF_HUB_OFFLINE=1: cache only).")
    var model: String

    func run() throws {
        try reportingErrors {
            let directory = try ModelDirectory(url: try ModelLocator.resolve(model))
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
            for line in quantizationLines(directory.url) { print(line) }
            if FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("tokenizer.json").path) {
                let tokenizer = try directory.tokenizer()
                print("tokenizer:    \(tokenizer.kind), \(tokenizer.vocabularySize) tokens")
            } else {
                print("tokenizer:    none (no tokenizer.json)")
            }
        }
    }

    /// The checkpoint's `quantization_config` (compressed-tensors), one line per config group.
    private func quantizationLines(_ url: URL) -> [String] {
        guard let data = FileManager.default.contents(atPath: url.appendingPathComponent("config.json").path),
              let config = try? JSONParser.parse(data),
              let q = config["quantization_config"]?.objectValue else {
            return ["quantization: none (no quantization_config)"]
        }
        func strings(_ value: JSONValue?) -> [String]? {
            guard let items = value?.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else { return nil }
            return items.compactMap(\.stringValue)
        }
        func args(_ value: JSONValue?) -> String? {
            guard let a = value?.objectValue else { return nil }
            let type = a["type"]?.stringValue ?? "?"
            let bits = a["num_bits"].map { $0.stringValue ?? JSONWriter.string($0) } ?? "?"
            var text = "\(type)\(bits) \(a["strategy"]?.stringValue ?? "?")"
            if let g = a["group_size"]?.intValue, a["strategy"]?.stringValue == "group" { text += " \(g)" }
            if a["symmetric"]?.boolValue == false { text += " asym" }
            if let dynamic = a["dynamic"]?.boolValue { text += dynamic ? " dynamic" : "" } else if let d = a["dynamic"]?.stringValue { text += " dynamic=\(d)" }
            if let observer = a["observer"]?.stringValue, a["dynamic"]?.boolValue != true { text += " (\(observer))" }
            return text
        }
        var lines = ["quantization: \(q["quant_method"]?.stringValue ?? "?"), format \(q["format"]?.stringValue ?? "?")"
                     + (q["version"]?.stringValue.map { ", version \($0)" } ?? "")]
        let groups = q["config_groups"]?.objectValue ?? [:]
        for name in Set(groups.keys).sorted() {
            guard let group = groups[name]?.objectValue else { continue }
            let targets = strings(group["targets"])?.joined(separator: ", ") ?? "?"
            var parts: [String] = []
            if let w = args(group["weights"]) { parts.append("weights \(w)") }
            if let i = args(group["input_activations"]) { parts.append("inputs \(i)") }
            if let o = args(group["output_activations"]) { parts.append("outputs \(o)") }
            lines.append("  \(name) [\(targets)]: \(parts.joined(separator: "; "))")
        }
        let ignore = strings(q["ignore"]) ?? []
        if !ignore.isEmpty {
            lines.append("  ignored: \(ignore.count) module(s)" + (ignore.count <= 4 ? " (\(ignore.joined(separator: ", ")))" : " (\(ignore.prefix(3).joined(separator: ", ")), …)"))
        }
        if let kv = args(q["kv_cache_scheme"]) { lines.append("  kv cache: \(kv)") }
        if let record = OutputRecord.read(in: url) {
            lines.append("  written by swiftquant \(record.command) on \(record.created) from \(record.source)")
        }
        return lines
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
