import Foundation
import Formats
import Models
import Quantization
import Safetensors
import Tensors

/// Quantizes a checkpoint one decoder layer at a time (memory independent of depth): load the
/// layer, calibrate it on the propagated calibration hidden states, quantize, export, propagate.
public struct SequentialPipeline {
    public let directory: ModelDirectory
    public let plan: QuantizationPlan
    public let calibration: CalibrationSet?
    public let recipeText: String?

    public init(directory: ModelDirectory, plan: QuantizationPlan, calibration: CalibrationSet?, recipeText: String?) {
        self.directory = directory
        self.plan = plan
        self.calibration = calibration
        self.recipeText = recipeText
    }

    /// The model's dtype (that of its embedding table).
    public var dtype: ComputeDType {
        get throws { ComputeDType(storage: try directory.weights.info("model.embed_tokens.weight").dtype) }
    }

    /// Runs the pipeline, exporting through `format` into `context.saveDirectory`.
    public func run(format: QuantFormat, context: ExportContext, progress: ((String) -> Void)? = nil) throws {
        if plan.needsCalibration && calibration == nil {
            throw PipelineError("the scheme has static input activations: give calibration data (--dataset FILE --samples N --seqlen L)")
        }
        let dtype = try self.dtype
        let config = directory.config
        try format.prepareExport(context: context)
        try format.processModuleTensors(prefix: "model.embed_tokens", module: try floatModule("model.embed_tokens", ["weight"]))
        var hidden: [Matrix] = []
        if let calibration, plan.needsCalibration {
            let embedding = try WeightLoaderView(directory).embedding()
            hidden = calibration.samples.map { ids in Self.embed(ids, table: embedding, width: config.hiddenSize) }
        }
        let rope = RotaryEmbedding(dim: config.headDim, base: config.ropeTheta, scaling: config.ropeScaling)
        // Calibrate with the checkpoint's own arithmetic (llm-compressor runs bf16 models in bf16).
        let precision: ForwardPrecision = dtype == .bfloat16 ? .bfloat16 : .float32
        for index in 0..<config.numLayers {
            progress?("layer \(index + 1)/\(config.numLayers)")
            var layer = try CausalLM.loadLayer(index, from: directory)
            releasePages(prefix: "model.layers.\(index).")
            var observers = ObserverStore()
            if !hidden.isEmpty {
                try attachObservers(&layer, store: &observers, dtype: dtype)
                if precision == .bfloat16 { layer.prepareForBFloat16() }
                for s in hidden.indices {
                    var none: [Float]? = nil, noneV: [Float]? = nil
                    layer.forward(&hidden[s], rope: rope, start: 0, cacheKeys: &none, cacheValues: &noneV, precision: precision)
                }
            }
            try exportLayer(index, layer, observers: observers, dtype: dtype, format: format)
        }
        try format.processModuleTensors(prefix: "model.norm", module: try floatModule("model.norm", ["weight"]))
        if directory.weights.tensorNames.contains("lm_head.weight"), !config.tieWordEmbeddings {
            try format.processModuleTensors(prefix: "lm_head", module: try floatModule("lm_head", ["weight"]))
        }
        try format.finalizeExport(model: ExportModelSummary(
            linearPaths: plan.linearPaths, sourceConfig: directory.configData, dtype: dtype,
            sideFiles: directory.sideFiles, recipe: recipeText))
    }

    /// Keeps resident memory flat: source pages of a finished layer are dropped.
    func releasePages(prefix: String) {
        for name in directory.weights.tensorNames where name.hasPrefix(prefix) {
            directory.weights.releasePages(name)
        }
    }

    static func embed(_ ids: [Int], table: Matrix, width: Int) -> Matrix {
        var out = Matrix(rows: ids.count, cols: width)
        for (t, id) in ids.enumerated() where id >= 0 && id < table.rows {
            for c in 0..<width { out[t, c] = table[id, c] }
        }
        return out
    }

    /// Observes the input of every Linear whose scheme has static input activations.
    private func attachObservers(_ layer: inout DecoderLayer, store: inout ObserverStore, dtype: ComputeDType) throws {
        for linear in layer.linears {
            guard let (_, scheme) = plan.assignments[linear.path], let input = scheme.inputActivations,
                  !input.dynamic.isDynamic else { continue }
            let observer = try ActivationObserver(name: input.observer, dtype: dtype)
            let box = store.add(path: linear.path, observer: observer)
            let name = String(linear.path.split(separator: ".").suffix(2).joined(separator: "."))
            _ = layer.withLinear(named: name) { target in
                target.inputTransform = InputTransform { x, _ in box.observe(x) }
            }
        }
    }

    private func exportLayer(_ index: Int, _ layer: DecoderLayer, observers: ObserverStore, dtype: ComputeDType,
                             format: QuantFormat) throws {
        let prefix = "model.layers.\(index)."
        for linear in layer.linears {
            if let (group, scheme) = plan.assignments[linear.path], let weightArgs = scheme.weights {
                let weight = try WeightQuantizer.quantize(linear.weight, args: weightArgs, dtype: dtype)
                var inputQParams: QParams? = nil
                if let input = scheme.inputActivations, !input.dynamic.isDynamic {
                    inputQParams = observers.qparams(path: linear.path, args: input)
                }
                let ir = QuantizedLinear(path: linear.path, group: group, scheme: scheme, weight: weight,
                                         bias: linear.bias, inputQParams: inputQParams)
                try format.processModuleTensors(prefix: linear.path, module: .quantizedLinear(ir))
            } else {
                try format.processModuleTensors(prefix: linear.path, module: try floatModule(linear.path, ["weight", "bias"]))
            }
            if linear.path.hasSuffix("self_attn.o_proj"), layer.attention.qNorm != nil {
                for norm in ["self_attn.q_norm", "self_attn.k_norm"] {
                    try format.processModuleTensors(prefix: prefix + norm, module: try floatModule(prefix + norm, ["weight"]))
                }
            }
        }
        for norm in ["input_layernorm", "post_attention_layernorm"] {
            try format.processModuleTensors(prefix: prefix + norm, module: try floatModule(prefix + norm, ["weight"]))
        }
    }

    /// A module's tensors copied bit for bit from the source checkpoint (absent ones skipped).
    func floatModule(_ path: String, _ names: [String]) throws -> ExportModule {
        var tensors: [WritableTensor] = []
        for name in names {
            let full = path + "." + name
            guard directory.weights.tensorNames.contains(full) else { continue }
            let info = try directory.weights.info(full)
            let bytes = try directory.weights.file(containing: full).data(full)
            directory.weights.releasePages(full)
            tensors.append(WritableTensor(name: full, dtype: info.dtype, shape: info.shape, bytes: bytes))
        }
        return .float(path: path, tensors: tensors)
    }
}

/// The embedding table only, in fp32.
struct WeightLoaderView {
    let directory: ModelDirectory
    init(_ directory: ModelDirectory) { self.directory = directory }

    func embedding() throws -> Matrix {
        let c = directory.config
        return Matrix(rows: c.vocabSize, cols: c.hiddenSize, data: try directory.weights.floats("model.embed_tokens.weight"))
    }
}

/// Activation observers of one layer, shared with the forward pass through input hooks.
struct ObserverStore {
    private(set) var boxes: [String: ObserverBox] = [:]

    mutating func add(path: String, observer: ActivationObserver) -> ObserverBox {
        let box = ObserverBox(observer)
        boxes[path] = box
        return box
    }

    func qparams(path: String, args: QuantizationArgs) -> QParams? {
        boxes[path]?.qparams(args: args)
    }
}

/// A lock-protected observer updated from the forward pass: one update per forward call.
final class ObserverBox: @unchecked Sendable {
    private var observer: ActivationObserver
    private let lock = NSLock()

    init(_ observer: ActivationObserver) { self.observer = observer }

    func observe(_ x: Matrix) {
        var lo = Float.infinity, hi = -Float.infinity
        for v in x.data {
            lo = min(lo, v)
            hi = max(hi, v)
        }
        lock.lock(); observer.update(batchMin: lo, batchMax: hi); lock.unlock()
    }

    func qparams(args: QuantizationArgs) -> QParams? {
        lock.lock(); defer { lock.unlock() }
        return observer.qparams(args: args)
    }
}
