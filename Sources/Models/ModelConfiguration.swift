import Foundation
import JSON

/// How rotary frequencies are derived (`rope_parameters` / `rope_scaling`).
public enum RopeScaling: Sendable, Equatable {
    /// Plain RoPE.
    case none
    /// Positions divided by `factor`.
    case linear(factor: Double)
    /// Llama 3.x frequency-dependent scaling.
    case llama3(factor: Double, lowFreqFactor: Double, highFreqFactor: Double, originalMaxPositions: Int)
}

/// A decoder-only transformer's configuration, decoded from config.json.
public struct ModelConfiguration: Sendable, Equatable {
    public var architecture: ModelArchitecture
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numLayers: Int
    public var numHeads: Int
    public var numKVHeads: Int
    public var headDim: Int
    public var vocabSize: Int
    public var maxPositionEmbeddings: Int
    public var rmsNormEps: Float
    public var ropeTheta: Double
    public var ropeScaling: RopeScaling
    public var tieWordEmbeddings: Bool
    /// q/k/v (and o for llama-style `attention_bias`) projections carry a bias.
    public var qkvBias: Bool
    /// o_proj carries a bias.
    public var outputBias: Bool
    /// gate/up/down carry a bias.
    public var mlpBias: Bool
    /// Per-layer sliding window (nil = full causal attention for that layer).
    public var slidingWindows: [Int?]
    /// q_norm / k_norm RMSNorms over each head (Qwen3).
    public var qkNorm: Bool
    /// The dtype the checkpoint declares (`torch_dtype` / `dtype`), if any.
    public var declaredDType: String?
    public var bosTokenId: Int?
    public var eosTokenIds: [Int]

    /// Parameters in the Linear layers, embeddings and norms (tied head counted once).
    public var parameterCount: Int {
        let attention = hiddenSize * numHeads * headDim * 2 + hiddenSize * numKVHeads * headDim * 2
        let mlp = 3 * hiddenSize * intermediateSize
        let norms = 2 * hiddenSize + (qkNorm ? 2 * headDim : 0)
        let biases = (qkvBias ? numHeads * headDim + 2 * numKVHeads * headDim : 0)
            + (outputBias ? hiddenSize : 0) + (mlpBias ? 2 * intermediateSize + hiddenSize : 0)
        let perLayer = attention + mlp + norms + biases
        let embeddings = vocabSize * hiddenSize * (tieWordEmbeddings ? 1 : 2)
        return numLayers * perLayer + embeddings + hiddenSize
    }

    /// The layout of every decoder layer, as the architecture declares it.
    public var layout: LayerLayout { LayerLayout(architecture: architecture.declaration, config: self) }
}

extension ModelConfiguration {
    /// Reads and validates `config.json`.
    public static func load(from url: URL) throws -> ModelConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelError("\(url.path): cannot read config.json (\(FileManager.default.fileExists(atPath: url.path) ? "unreadable" : "missing"))")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(data)
        } catch {
            throw ModelError("\(url.path): config.json is not valid JSON")
        }
        guard let json = value.objectValue else {
            throw ModelError("\(url.path): config.json is not a JSON object")
        }
        return try decode(json, path: url.path)
    }

    /// Decodes a parsed config.json object.
    public static func decode(_ json: JSONObject, path: String = "config.json") throws -> ModelConfiguration {
        let reader = ConfigReader(json: json, path: path)
        let supported = ArchitectureRegistry.all.map(\.modelType).joined(separator: ", ")
        guard let typeName = try reader.string("model_type") else {
            throw ModelError("\(path): config.json has no model_type (supported: \(supported))")
        }
        guard let declaration = ArchitectureRegistry.architecture(modelType: typeName) else {
            throw ModelError("\(path): unsupported model_type '\(typeName)' (supported: \(supported))")
        }
        let architecture = ModelArchitecture(declaration)
        let hidden = try reader.requiredInt("hidden_size")
        let heads = try reader.requiredInt("num_attention_heads")
        let layers = try reader.requiredInt("num_hidden_layers")
        let kvHeads = try reader.int("num_key_value_heads") ?? heads
        let headDim = try reader.int("head_dim") ?? (heads > 0 ? hidden / heads : 0)
        for (name, value) in [("hidden_size", hidden), ("num_attention_heads", heads), ("num_hidden_layers", layers),
                              ("num_key_value_heads", kvHeads), ("head_dim", headDim)] where value <= 0 {
            throw ModelError("\(path): \(name) must be positive, got \(value)")
        }
        guard heads % kvHeads == 0 else {
            throw ModelError("\(path): num_attention_heads \(heads) is not a multiple of num_key_value_heads \(kvHeads)")
        }
        guard headDim % 2 == 0 else {
            throw ModelError("\(path): head_dim \(headDim) must be even for rotary embeddings")
        }
        let (theta, scaling) = try ropeSettings(reader, path: path)
        let features = try declaration.features(reader, layers: layers)
        let eos: [Int]
        if let list = json["eos_token_id"]?.arrayValue, list.allSatisfy({ $0.numberValue != nil }) {
            eos = try list.compactMap(\.numberValue).map { number in
                guard let id = ConfigReader.integer(number) else {
                    throw ModelError("\(path): eos_token_id \(number) is not a token id")
                }
                return id
            }
        } else if let one = try reader.int("eos_token_id") { eos = [one] } else { eos = [] }
        let intermediate = try reader.requiredInt("intermediate_size")
        let vocab = try reader.requiredInt("vocab_size")
        guard intermediate > 0, vocab > 0 else {
            throw ModelError("\(path): intermediate_size and vocab_size must be positive")
        }
        let maxPositions = try reader.int("max_position_embeddings") ?? 2048
        // Upper bounds far above any real model, so sizes and products of sizes cannot overflow.
        for (name, value, limit) in [("hidden_size", hidden, 1 << 20), ("num_attention_heads", heads, 1 << 12),
                                     ("num_key_value_heads", kvHeads, 1 << 12), ("head_dim", headDim, 1 << 12),
                                     ("num_hidden_layers", layers, 1 << 12), ("intermediate_size", intermediate, 1 << 22),
                                     ("vocab_size", vocab, 1 << 24), ("max_position_embeddings", maxPositions, 1 << 24)]
            where value > limit || value <= 0 {
            throw ModelError("\(path): \(name) must be 1…\(limit), got \(value)")
        }
        for id in eos where id < 0 || id >= vocab {
            throw ModelError("\(path): eos_token_id \(id) is outside the vocabulary (0…\(vocab - 1))")
        }
        return ModelConfiguration(
            architecture: architecture,
            hiddenSize: hidden,
            intermediateSize: intermediate,
            numLayers: layers,
            numHeads: heads,
            numKVHeads: kvHeads,
            headDim: headDim,
            vocabSize: vocab,
            maxPositionEmbeddings: maxPositions,
            rmsNormEps: Float(try reader.double("rms_norm_eps") ?? 1e-6),
            ropeTheta: theta,
            ropeScaling: scaling,
            tieWordEmbeddings: try reader.bool("tie_word_embeddings") ?? false,
            qkvBias: features.qkvBias,
            outputBias: features.outputBias,
            mlpBias: features.mlpBias,
            slidingWindows: features.slidingWindows,
            qkNorm: features.qkNorm,
            declaredDType: try reader.string("torch_dtype") ?? reader.string("dtype"),
            bosTokenId: try reader.int("bos_token_id"),
            eosTokenIds: eos
        )
    }

    private static func ropeSettings(_ reader: ConfigReader, path: String) throws -> (Double, RopeScaling) {
        // transformers 5 writes `rope_parameters`; older configs use `rope_theta` + `rope_scaling`.
        var theta = try reader.double("rope_theta")
        var scalingObject: JSONObject?
        if let parameters = reader.json["rope_parameters"]?.objectValue {
            let inner = ConfigReader(json: parameters, path: path + " rope_parameters")
            theta = try inner.double("rope_theta") ?? theta
            scalingObject = parameters
        }
        if let legacy = reader.json["rope_scaling"]?.objectValue {
            scalingObject = legacy
        }
        let base = theta ?? 10000
        guard let object = scalingObject else { return (base, .none) }
        let inner = ConfigReader(json: object, path: path + " rope scaling")
        let type = try inner.string("rope_type") ?? inner.string("type") ?? "default"
        switch type {
        case "default":
            return (base, .none)
        case "linear":
            return (base, .linear(factor: try inner.requiredDouble("factor")))
        case "llama3":
            return (base, .llama3(
                factor: try inner.requiredDouble("factor"),
                lowFreqFactor: try inner.requiredDouble("low_freq_factor"),
                highFreqFactor: try inner.requiredDouble("high_freq_factor"),
                originalMaxPositions: try inner.requiredInt("original_max_position_embeddings")))
        default:
            throw ModelError("\(path): unsupported rope type '\(type)' (supported: default, linear, llama3)")
        }
    }

}

/// Typed access to a config.json object with one-line errors naming the key.
public struct ConfigReader {
    let json: JSONObject
    /// The file, for messages.
    public let path: String

    /// Per-layer windows from `layer_types` (`sliding_attention` layers get `sliding_window`),
    /// nil when config.json has no `layer_types`.
    public func layerTypeWindows(layers: Int) throws -> [Int?]? {
        guard let value = json["layer_types"], !value.isNull else { return nil }
        guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
            throw ModelError("\(path): layer_types must be a list of strings")
        }
        let types = items.compactMap(\.stringValue)
        guard types.count == layers else {
            throw ModelError("\(path): layer_types has \(types.count) entries for \(layers) layers")
        }
        let window = try int("sliding_window")
        return types.map { $0 == "sliding_attention" ? window : nil }
    }

    /// Qwen's windows: `layer_types` if present, else `sliding_window` on the layers from
    /// `max_window_layers` on when `use_sliding_window` is true.
    public func qwenWindows(layers: Int) throws -> [Int?] {
        if let windows = try layerTypeWindows(layers: layers) { return windows }
        guard try bool("use_sliding_window") ?? false, let window = try int("sliding_window") else {
            return Array(repeating: nil, count: layers)
        }
        let fullLayers = try int("max_window_layers") ?? layers
        return (0..<layers).map { $0 >= fullLayers ? window : nil }
    }

    /// The integer value of a number with an integral value below 9e18 in magnitude (an integral
    /// float such as `576.0` counts), nil otherwise.
    static func integer(_ number: JSONNumber) -> Int? {
        let value = number.doubleValue
        guard abs(value) < 9.0e18, value == value.rounded() else { return nil }
        return number.intValue ?? Int(exactly: value)
    }

    public func int(_ key: String) throws -> Int? {
        guard let value = json[key], !value.isNull else { return nil }
        if let number = value.numberValue, number.doubleValue == number.doubleValue.rounded() {
            // Values past Int's range are errors here, not wrapped.
            guard let int = Self.integer(number) else { throw ModelError("\(path): \(key) \(number) is out of range") }
            return int
        }
        throw ModelError("\(path): \(key) must be an integer")
    }

    public func requiredInt(_ key: String) throws -> Int {
        guard let value = try int(key) else { throw ModelError("\(path): missing required key \(key)") }
        return value
    }

    public func double(_ key: String) throws -> Double? {
        guard let value = json[key], !value.isNull else { return nil }
        if let number = value.numberValue { return number.doubleValue }
        throw ModelError("\(path): \(key) must be a number")
    }

    public func requiredDouble(_ key: String) throws -> Double {
        guard let value = try double(key) else { throw ModelError("\(path): missing required key \(key)") }
        return value
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let value = json[key], !value.isNull else { return nil }
        if let bool = value.boolValue { return bool }
        throw ModelError("\(path): \(key) must be true or false")
    }

    public func string(_ key: String) throws -> String? {
        guard let value = json[key], !value.isNull else { return nil }
        if let text = value.stringValue { return text }
        throw ModelError("\(path): \(key) must be a string")
    }
}
