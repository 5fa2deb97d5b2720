/// Mistral (`model_type: mistral`): Llama's block with `sliding_window` on every layer (null = full).
public struct Mistral: DecoderArchitecture {
    public init() {}
    public var modelType: String { "mistral" }
    public var classPrefix: String { "Mistral" }

    public func features(_ config: ConfigReader, layers: Int) throws -> ArchitectureFeatures {
        let attentionBias = try config.bool("attention_bias") ?? false
        let window = try config.int("sliding_window")
        return ArchitectureFeatures(qkvBias: attentionBias, outputBias: attentionBias,
                                    mlpBias: try config.bool("mlp_bias") ?? false, qkNorm: false,
                                    slidingWindows: try config.layerTypeWindows(layers: layers) ?? Array(repeating: window, count: layers))
    }
}
