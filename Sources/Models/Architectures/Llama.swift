/// Llama (`model_type: llama`): `attention_bias` puts a bias on q/k/v and o; `mlp_bias` on the MLP.
public struct Llama: DecoderArchitecture {
    public init() {}
    public var modelType: String { "llama" }
    public var classPrefix: String { "Llama" }

    public func features(_ config: ConfigReader, layers: Int) throws -> ArchitectureFeatures {
        let attentionBias = try config.bool("attention_bias") ?? false
        return ArchitectureFeatures(qkvBias: attentionBias, outputBias: attentionBias,
                                    mlpBias: try config.bool("mlp_bias") ?? false, qkNorm: false,
                                    slidingWindows: try config.layerTypeWindows(layers: layers) ?? Array(repeating: nil, count: layers))
    }
}
