/// Qwen3 (`model_type: qwen3`): per-head RMSNorms on queries and keys (`self_attn.q_norm`,
/// `self_attn.k_norm`); `attention_bias` as Llama; sliding windows as Qwen2.
public struct Qwen3: DecoderArchitecture {
    public init() {}
    public var modelType: String { "qwen3" }
    public var classPrefix: String { "Qwen3" }

    public func features(_ config: ConfigReader, layers: Int) throws -> ArchitectureFeatures {
        let attentionBias = try config.bool("attention_bias") ?? false
        return ArchitectureFeatures(qkvBias: attentionBias, outputBias: attentionBias,
                                    mlpBias: try config.bool("mlp_bias") ?? false, qkNorm: true,
                                    slidingWindows: try config.qwenWindows(layers: layers))
    }
}
