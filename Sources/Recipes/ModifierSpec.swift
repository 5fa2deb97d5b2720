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
    /// llm-compressor's AWQModifier (with SwiftQuant's optional clipping search).
    case awq(AWQSpec)
    /// msModelSlim's `linear_quant` process: its min/max arithmetic, and static ranges observed
    /// with fake quantization already active in the earlier Linears.
    case modelSlimLinearQuant(ModelSlimLinearQuantSpec)
    /// KV-cache quantization (`kv_cache_scheme`, or msModelSlim's `dynamic_cache` process).
    case kvCache(KVCacheSpec)
    /// msModelSlim's smoothing processes `iter_smooth` (anti-outlier m4) and `smooth_quant` (m1).
    case modelSlimSmooth(ModelSlimSmoothSpec)
    /// Outlier Suppression+ scaling (msModelSlim's legacy anti-outlier m2).
    case outlierSuppressionPlus(OutlierSuppressionPlusSpec)

    /// The recipe name of the modifier.
    public var name: String {
        switch self {
        case .quantization: "QuantizationModifier"
        case .gptq: "GPTQModifier"
        case .smoothQuant: "SmoothQuantModifier"
        case .awq: "AWQModifier"
        case .modelSlimLinearQuant: "linear_quant"
        case .kvCache(let spec): spec.convention == .modelSlim ? "dynamic_cache" : "kv_cache_scheme"
        case .modelSlimSmooth(let spec): spec.process.rawValue
        case .outlierSuppressionPlus: "OutlierSuppressionPlus"
        }
    }

    /// Whether the modifier gives norms or bias-less Linears nonzero biases (channel shifts),
    /// which compressed-tensors checkpoints cannot hold.
    public var addsBiases: Bool {
        switch self {
        case .modelSlimSmooth(let spec): !spec.symmetric
        case .outlierSuppressionPlus(let spec): spec.shift
        default: false
        }
    }

    /// Whether the modifier needs calibration data whatever the scheme.
    public var needsCalibration: Bool {
        switch self {
        case .quantization, .modelSlimLinearQuant: false
        case .gptq, .smoothQuant, .awq, .kvCache, .modelSlimSmooth, .outlierSuppressionPlus: true
        }
    }
}

/// Settings of msModelSlim's `linear_quant` beyond its schemes.
public struct ModelSlimLinearQuantSpec: Sendable, Equatable {
    /// Config groups whose static activation ranges are the mean of the per-sample min/max
    /// (`act.ext.aggregation_type: mean`), not the running min of mins / max of maxes.
    public var meanAggregationGroups: [String]

    /// Creates settings (default: every group aggregates by max).
    public init(meanAggregationGroups: [String] = []) {
        self.meanAggregationGroups = meanAggregationGroups
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
    /// msModelSlim's GPTQ (`linear_quant` `method: gptq`, formats.md §2.7) for these config
    /// groups; nil = llm-compressor's GPTQModifier.
    public var modelSlimGroups: [String]?

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

/// AWQModifier's settings (llm-compressor 0.14 defaults), plus the clipping search of AutoAWQ and
/// GPTQModel, which llm-compressor lacks (`apply_clip`, `clip_n_grid`, `clip_max_shrink`).
public struct AWQSpec: Sendable, Equatable {
    /// `duo_scaling`: true, false or "both".
    public typealias DuoScaling = AWQDuoScaling

    /// A mapping as a recipe writes it (`smooth_layer`, `balance_layers`).
    public struct Mapping: Sendable, Equatable {
        public var smooth: String
        public var balance: [String]

        /// Creates a mapping.
        public init(smooth: String, balance: [String]) {
            self.smooth = smooth
            self.balance = balance
        }
    }

    /// nil = the architecture's declared mappings.
    public var mappings: [Mapping]?
    public var duoScaling: DuoScaling = .on
    /// Grid points of the scale search (`n_grid`).
    public var nGrid: Int = 20
    /// Whether to run the weight-clipping search after the scales (`apply_clip`).
    public var applyClip = false
    /// Shrink grid points of the clipping search (`clip_n_grid`).
    public var clipNGrid: Int = 20
    /// Largest fraction of a group's range the clipping search removes (`clip_max_shrink`).
    public var clipMaxShrink: Double = 0.5

    /// The defaults.
    public init() {}
}

/// KV-cache quantization of a recipe: llm-compressor's `kv_cache_scheme` (per tensor, one scale
/// per attention module) or msModelSlim's `dynamic_cache` process (C8, int8 per channel).
public struct KVCacheSpec: Sendable, Equatable {
    public var args: QuantizationArgs
    public var convention: QuantizedKVCache.Convention
    /// Attention modules quantized (compressed-tensors pattern entries, e.g. `re:^.*$`); empty = all.
    public var include: [ModulePattern]
    /// Attention modules left unquantized (take precedence over `include`).
    public var exclude: [ModulePattern]

    /// Creates a spec.
    public init(args: QuantizationArgs, convention: QuantizedKVCache.Convention, include: [ModulePattern] = [],
                exclude: [ModulePattern] = []) {
        self.args = args
        self.convention = convention
        self.include = include
        self.exclude = exclude
    }

    /// Whether the attention module at `path` is quantized.
    public func selects(_ path: String) -> Bool {
        if exclude.contains(where: { $0.matches(path: path, classNames: []) }) { return false }
        return include.isEmpty || include.contains { $0.matches(path: path, classNames: []) }
    }
}

/// msModelSlim's `iter_smooth` / `smooth_quant` process settings (26.1.0 defaults).
public struct ModelSlimSmoothSpec: Sendable, Equatable {
    /// Which process it is.
    public enum Process: String, Sendable, Equatable, CaseIterable {
        /// α 0.9, every subgraph kind.
        case iterSmooth = "iter_smooth"
        /// α 0.5, norm-linear subgraphs only.
        case smoothQuant = "smooth_quant"
    }

    /// msModelSlim's subgraph kinds (`enable_subgraph_type`).
    public static let subgraphKinds = ["norm-linear", "linear-linear", "ov", "up-down"]

    public var process: Process
    /// α in s = a^α / w^(1−α).
    public var alpha: Double
    /// Lower bound of a scale (`scale_min`; fixed 1e-5 for smooth_quant).
    public var scaleMin: Double = 1e-5
    /// Enabled subgraph kinds, msModelSlim's names.
    public var subgraphs: [String]
    /// Module patterns (compressed-tensors targets) of the subgraph source modules to smooth; empty = all.
    public var include: [String] = []
    /// Module patterns of source modules to leave alone.
    public var exclude: [String] = []
    /// false: norm-linear subgraphs also shift their activations into norm and Linear biases,
    /// which only the AscendV1 format holds.
    public var symmetric = true

    /// The defaults of `process`.
    public init(process: Process = .iterSmooth) {
        self.process = process
        alpha = process == .iterSmooth ? 0.9 : 0.5
        subgraphs = process == .iterSmooth ? Self.subgraphKinds : ["norm-linear"]
    }
}

/// Outlier Suppression+ settings.
public struct OutlierSuppressionPlusSpec: Sendable, Equatable {
    /// Most candidate counts of scaled channels beyond none (msModelSlim's `os_k` does not change
    /// its result on stories260K, so it is not this).
    public var gridSize = 100
    /// Remove the channel shift into norm and Linear biases first (the paper's shift; msModelSlim's
    /// default `ch_align=False` leaves it out).
    public var shift = false

    /// The defaults.
    public init() {}
}
