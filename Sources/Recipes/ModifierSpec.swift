import Quantization

/// One modifier of a recipe, in recipe order: a plain value that the pipeline turns into the
/// algorithm that runs it.
public enum ModifierSpec: Sendable, Equatable {
    /// llm-compressor's QuantizationModifier: round-to-nearest weights, observed activations.
    case quantization
    /// llm-compressor's GPTQModifier.
    case gptq(GPTQSpec)

    /// The recipe name of the modifier.
    public var name: String {
        switch self {
        case .quantization: "QuantizationModifier"
        case .gptq: "GPTQModifier"
        }
    }

    /// Whether the modifier needs calibration data whatever the scheme.
    public var needsCalibration: Bool {
        switch self {
        case .quantization: false
        case .gptq: true
        }
    }
}

/// GPTQModifier's own settings (llm-compressor 0.14 defaults).
public struct GPTQSpec: Sendable, Equatable {
    /// Columns per lazy-update block (`block_size`).
    public var blockSize: Int = 128
    /// Dampening as a fraction of the mean Hessian diagonal (`dampening_frac`).
    public var dampeningFraction: Double = 0.01
    /// `actorder` given to weight schemes that do not set their own; nil = column order.
    public var actorder: ActivationOrdering? = .staticOrder

    /// The defaults.
    public init() {}
}
