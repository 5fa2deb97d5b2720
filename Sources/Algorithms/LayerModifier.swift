import Models
import Quantization
import Tensors

/// An algorithm that acts on one decoder layer at a time during sequential calibration
/// (llm-compressor's modifiers): it may observe the layer's calibration pass through hooks on
/// module inputs, then changes the layer (smoothing, GPTQ updates) and/or records quantized
/// weights and activation qparams. Modifiers know nothing of formats or of the pipeline's data
/// movement; the pipeline calls them in recipe order.
public protocol LayerModifier: AnyObject {
    /// The recipe name of the modifier, e.g. `GPTQModifier`.
    var name: String { get }
    /// Whether `apply` changes what the layer computes (weights or norms); a later modifier then
    /// gets a fresh calibration pass, and the layer's outputs are recomputed before they move on.
    var changesForward: Bool { get }
    /// Whether the modifier needs to observe a calibration pass of this layer.
    func needsCalibration(_ context: LayerContext) -> Bool
    /// Installs the hooks of the calibration pass.
    func attach(to layer: inout DecoderLayer, context: LayerContext) throws
    /// Acts on the layer after its calibration pass (or without one when none was needed).
    func apply(to layer: inout DecoderLayer, result: inout LayerQuantization, context: LayerContext) throws
    /// Whether the hooks read module outputs (then a calibration pass runs the layer to its end;
    /// otherwise a pass whose outputs are discarded stops after down_proj's input).
    var observesOutputs: Bool { get }
    /// The attention arithmetic of the calibration forward the modifier's reference tool runs:
    /// llm-compressor 0.14 forces `eager` (the default), msModelSlim runs transformers' `sdpa`.
    var calibrationAttention: ForwardPrecision.Attention { get }
    /// Whether the modifier only rewrites the float model into an equivalent one (smoothing:
    /// scales moved between a norm or Linear and the Linears after it) and quantizes nothing: such
    /// modifiers also run before layer-fallback scoring, so the scores see the smoothed inputs.
    var isEquivalentTransform: Bool { get }
}

extension LayerModifier {
    public var observesOutputs: Bool { false }
    public var calibrationAttention: ForwardPrecision.Attention { .eager }
    public var isEquivalentTransform: Bool { false }
}

/// Which scheme each Linear of the layer is quantized with.
public struct LinearAssignment: Sendable {
    /// The config group's name.
    public let group: String
    public let scheme: QuantizationScheme

    /// Creates an assignment.
    public init(group: String, scheme: QuantizationScheme) {
        self.group = group
        self.scheme = scheme
    }
}

/// What a modifier knows about the layer it acts on.
public struct LayerContext: Sendable {
    /// Decoder layer index.
    public let index: Int
    /// Module path prefix of the layer, with a trailing dot (`model.layers.3.`).
    public let prefix: String
    public let layout: LayerLayout
    /// The model's dtype: scales are stored in it, and the forward emulates it.
    public let dtype: ComputeDType
    /// The quantized Linears of this layer and their schemes (absent = kept in float).
    public let assignments: [LinearRole: LinearAssignment]
    /// The rows of the batch being run, for hooks.
    public let batch: CalibrationBatch
    /// Receives one-line progress notes (e.g. a Hessian that needed more dampening).
    public let report: @Sendable (String) -> Void
    /// The model's rotary embedding, for modifiers that rerun the attention block (AWQ); nil when
    /// the caller runs no such modifier.
    public let rope: RotaryEmbedding?
    /// The arithmetic of the calibration forward (bf16 emulation for bf16 checkpoints).
    public let precision: ForwardPrecision

    /// Creates a context.
    public init(index: Int, prefix: String, layout: LayerLayout, dtype: ComputeDType,
                assignments: [LinearRole: LinearAssignment], batch: CalibrationBatch,
                rope: RotaryEmbedding? = nil, precision: ForwardPrecision = .float32,
                report: @escaping @Sendable (String) -> Void) {
        self.rope = rope
        self.precision = precision
        self.index = index
        self.prefix = prefix
        self.layout = layout
        self.dtype = dtype
        self.assignments = assignments
        self.batch = batch
        self.report = report
    }

    /// The module path of a Linear of this layer.
    public func path(_ role: LinearRole) -> String { prefix + layout.linear(role).name }
}

/// The samples of the batch being run through a layer: row ranges of the batch matrix, one per
/// sample, in calibration order. Set by the pipeline before each forward call; read by hooks
/// on the same thread.
public final class CalibrationBatch: @unchecked Sendable {
    /// Row ranges of the samples in the current batch.
    public var segments: [Range<Int>] = []

    /// An empty batch description.
    public init() {}
}

/// The quantized form of one layer, filled in by the modifiers.
public struct LayerQuantization: Sendable {
    /// Quantized weights by Linear.
    public var weights: [LinearRole: QuantizedWeight] = [:]
    /// Static input-activation qparams by Linear.
    public var inputQParams: [LinearRole: QParams] = [:]
    /// The layer's quantized KV cache, when one was calibrated.
    public var kvCache: QuantizedKVCache?

    /// An empty result.
    public init() {}
}

/// Errors of a modifier: one line naming the layer or field.
public struct AlgorithmError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    /// Creates an error with its message.
    public init(_ description: String) { self.description = description }
}

extension Linear {
    /// Adds an observer of the Linear's input, after any transform already installed.
    public mutating func addInputObserver(_ observe: @escaping @Sendable (Matrix) -> Void) {
        let previous = inputTransform
        inputTransform = InputTransform { x, path in
            previous?.apply(&x, path)
            observe(x)
        }
    }
}
