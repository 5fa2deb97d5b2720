/// The IR a quantization algorithm produces for one Linear and a format writer consumes.
public struct QuantizedLinear: Sendable {
    /// Module path, e.g. `model.layers.0.self_attn.q_proj`.
    public let path: String
    /// Name of the config group whose scheme applied (`group_0`, …).
    public let group: String
    public let scheme: QuantizationScheme
    public var weight: QuantizedWeight
    /// Bias in fp32 (written in the model dtype), if the Linear has one.
    public var bias: [Float]?
    /// Static input-activation qparams (per tensor), when the scheme has static input activations.
    public var inputQParams: QParams?

    public init(path: String, group: String, scheme: QuantizationScheme, weight: QuantizedWeight,
                bias: [Float]? = nil, inputQParams: QParams? = nil) {
        self.path = path
        self.group = group
        self.scheme = scheme
        self.weight = weight
        self.bias = bias
        self.inputQParams = inputQParams
    }
}
