/// Qwen2 (`model_type: qwen2`): q/k/v always carry a bias, o_proj never; sliding windows only with
/// `use_sliding_window`, on the layers from `max_window_layers` on.
public struct Qwen2: DecoderArchitecture {
    public init() {}
    public var modelType: String { "qwen2" }
    public var classPrefix: String { "Qwen2" }

    public func features(_ config: ConfigReader, layers: Int) throws -> ArchitectureFeatures {
        ArchitectureFeatures(qkvBias: true, outputBias: false, mlpBias: try config.bool("mlp_bias") ?? false,
                             qkNorm: false, slidingWindows: try config.qwenWindows(layers: layers))
    }
}
