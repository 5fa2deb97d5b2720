import Foundation
import Safetensors
import Tokenizers

/// A Hugging Face checkpoint directory: config, weights (memory-mapped), tokenizer and side files.
public struct ModelDirectory: @unchecked Sendable {
    /// The directory.
    public let url: URL
    /// Decoded config.json.
    public let config: ModelConfiguration
    /// The raw config.json bytes (writers copy and amend it).
    public let configData: Data
    /// The weights, opened lazily shard by shard.
    public let weights: SafetensorsCheckpoint

    /// Opens `url`: reads config.json and the safetensors header(s); no tensor data is read.
    public init(url: URL) throws {
        // PyTorch pickles and GGUF (a file, or a folder without safetensors): say how to convert,
        // before config.json (a GGUF folder usually has none) is looked for.
        if let refusal = ForeignCheckpoint.refusal(for: url) {
            throw ModelError("\(url.path): \(refusal)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelError("\(url.path): not a directory (expected a Hugging Face checkpoint folder)")
        }
        self.url = url
        let configURL = url.appendingPathComponent("config.json")
        self.config = try ModelConfiguration.load(from: configURL)
        self.configData = (try? Data(contentsOf: configURL)) ?? Data()
        do {
            self.weights = try SafetensorsCheckpoint(directory: url)
        } catch let error as CustomStringConvertible {
            throw ModelError(error.description)
        }
    }

    /// The model's tokenizer (tokenizer.json).
    public func tokenizer() throws -> Tokenizer {
        let path = url.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: path.path) else {
            throw ModelError("\(url.path): no tokenizer.json")
        }
        return try Tokenizer(contentsOf: path)
    }

    /// Files a converter copies beside new weights: *.json, *.txt, *.jinja, *.py except
    /// config.json, safetensors index files and the weights themselves.
    public var sideFiles: [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.sorted().filter { name in
            let lower = name.lowercased()
            guard [".json", ".txt", ".jinja", ".py", ".model", ".tiktoken"].contains(where: { lower.hasSuffix($0) }) else { return false }
            return name != "config.json" && !lower.hasSuffix("index.json")
        }.map { url.appendingPathComponent($0) }
    }
}
