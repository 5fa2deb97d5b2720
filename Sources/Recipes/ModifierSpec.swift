import Quantization

/// One modifier of a recipe, in recipe order: a plain value that the pipeline turns into the
/// algorithm that runs it.
public enum ModifierSpec: Sendable, Equatable {
    /// llm-compressor's QuantizationModifier: round-to-nearest weights, observed activations.
    case quantization
    /// llm-compressor's GPTQModifier.
    case gptq(GPTQSpec)
    /// llm-compressor's SmoothQuantModifier.
    case smoothQuant(SmoothQuantSpec)

    /// The recipe name of the modifier.
    public var name: String {
        switch self {
        case .quantization: "QuantizationModifier"
        case .gptq: "GPTQModifier"
        case .smoothQuant: "SmoothQuantModifier"
        }
    }

    /// Whether the modifier needs calibration data whatever the scheme.
    public var needsCalibration: Bool {
        switch self {
        case .quantization: false
        case .gptq, .smoothQuant: true
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

/// SmoothQuantModifier's settings (llm-compressor 0.14 defaults).
public struct SmoothQuantSpec: Sendable, Equatable {
    /// How the smoothing scale of a channel is computed.
    public enum Algorithm: String, Sendable, Equatable, CaseIterable {
        /// s = act^α / w^(1−α).
        case smoothquant
        /// s = act / log2(2 + act).
        case logEqualization = "log_equalization"
    }

    /// A mapping as a recipe writes it: module patterns of the balance Linears and of the smooth module.
    public struct Mapping: Sendable, Equatable {
        public var balance: [String]
        public var smooth: String

        /// Creates a mapping.
        public init(balance: [String], smooth: String) {
            self.balance = balance
            self.smooth = smooth
        }
    }

    /// α (`smoothing_strength`).
    public var smoothingStrength: Double = 0.5
    public var algorithm: Algorithm = .smoothquant
    /// nil = the architecture's declared mappings.
    public var mappings: [Mapping]?
    /// Patterns of modules whose mappings are skipped (when the smooth module and every balance
    /// Linear of a mapping match).
    public var ignore: [String] = []

    /// The defaults.
    public init() {}
}
