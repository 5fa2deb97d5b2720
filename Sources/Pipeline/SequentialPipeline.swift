import Algorithms
import Foundation
import Formats
import Models
import Quantization
import Safetensors
import Tensors

/// Quantizes a checkpoint one decoder layer at a time, so memory does not grow with depth.
///
/// The pipeline only moves data. For each layer: load it, run the calibration samples through it
/// with the modifiers' hooks installed, let each modifier act on it in recipe order, run the
/// samples through the layer as it now stands to produce the next layer's inputs, and export its
/// modules (quantized Linears from the modifiers' results, everything else from the layer as it
/// stands, so smoothed norms are written smoothed). A modifier that changes the forward (smoothing,
/// GPTQ) gives the modifiers after it a fresh pass; a pass whose layer nothing changes afterwards
/// is reused as the propagation, so no pass runs that is not needed.
public struct SequentialPipeline {
    public let directory: ModelDirectory
    public let plan: QuantizationPlan
    public let calibration: CalibrationSet?
    public let recipeText: String?
    /// The modifiers in recipe order; `QuantizationModifier` when none is given. Weights no
    /// modifier quantized are rounded to nearest once the modifiers have acted.
    public let modifiers: [LayerModifier]
    /// Upper bound on the rows of one batch (whole samples are never split).
    public let batchRows: Int

    /// Creates a pipeline. `modifiers` run in order on every layer; with none, RTN and static
    /// activation observers (`QuantizationModifier`) quantize the plan's schemes.
    public init(directory: ModelDirectory, plan: QuantizationPlan, calibration: CalibrationSet?, recipeText: String?,
                modifiers: [LayerModifier] = [], batchRows: Int? = nil) {
        self.directory = directory
        self.plan = plan
        self.calibration = calibration
        self.recipeText = recipeText
        self.modifiers = modifiers.isEmpty ? [QuantizationModifier()] : modifiers
        // Batches big enough for efficient GEMMs, small enough that the MLP's intermediates of one
        // batch (gate, up, product) stay near 256 MiB.
        let c = directory.config
        self.batchRows = batchRows ?? max(512, min(8192, (256 << 20) / max(1, c.intermediateSize * 4 * 3)))
    }

    /// The model's dtype (that of its embedding table).
    public var dtype: ComputeDType {
        get throws {
            ComputeDType(storage: try directory.weights.info(directory.config.architecture.declaration.embedTokensPath + ".weight").dtype)
        }
    }

    /// Calibration hidden states: consecutive whole samples stacked by rows.
    struct Batch {
        var hidden: Matrix
        let segments: [Range<Int>]
    }

    /// Runs the pipeline, exporting through `format` into `context.saveDirectory`.
    public func run(format: QuantFormat, context: ExportContext, progress: ((String) -> Void)? = nil) throws {
        let config = directory.config
        let architecture = config.architecture.declaration
        let layout = config.layout
        let dtype = try self.dtype
        let batchInfo = CalibrationBatch()
        let rope = RotaryEmbedding(dim: config.headDim, base: config.ropeTheta, scaling: config.ropeScaling)
        // Calibrate with the checkpoint's own arithmetic (llm-compressor runs bf16 models in bf16) and
        // the attention the modifiers' tool runs: eager for llm-compressor 0.14, which forces it for
        // every calibration forward; sdpa for msModelSlim.
        let attention = modifiers.first?.calibrationAttention ?? .eager
        let precision = (dtype == .bfloat16 ? ForwardPrecision.bfloat16 : .float32).with(attention: attention)
        let contexts = (0..<config.numLayers).map { index in
            layerContext(index, layout: layout, dtype: dtype, batch: batchInfo, rope: rope, precision: precision, progress: progress)
        }
        let needsData = contexts.contains { c in modifiers.contains { $0.needsCalibration(c) } }
        if needsData && (calibration?.samples.isEmpty ?? true) {
            throw PipelineError("\(modifiers.map(\.name).joined(separator: " + ")) needs calibration data for this scheme: give --dataset FILE --samples N --seqlen L")
        }
        var context = context
        if context.layerPathPrefix == nil { context.layerPathPrefix = architecture.layersPath + "." }
        try format.prepareExport(context: context)
        try format.processModuleTensors(prefix: architecture.embedTokensPath,
                                        module: try sourceModule(architecture.embedTokensPath, ["weight"]))
        var batches: [Batch] = []
        if needsData, let calibration {
            batches = try embed(calibration.samples)
        }
        for index in 0..<config.numLayers {
            progress?("layer \(index + 1)/\(config.numLayers)")
            var layer = try CausalLM.loadLayer(index, from: directory)
            releasePages(prefix: architecture.layerPrefix(index))
            let layerContext = contexts[index]
            var result = LayerQuantization()
            try runModifiers(&layer, &batches, &result, context: layerContext, rope: rope, precision: precision)
            try QuantizationModifier.roundRemaining(layer, result: &result, context: layerContext)
            try exportLayer(layer, result: result, context: layerContext, format: format)
        }
        try format.processModuleTensors(prefix: architecture.finalNormPath, module: try sourceModule(architecture.finalNormPath, ["weight"]))
        if directory.weights.tensorNames.contains(architecture.lmHeadPath + ".weight"), !config.tieWordEmbeddings {
            try format.processModuleTensors(prefix: architecture.lmHeadPath, module: try sourceModule(architecture.lmHeadPath, ["weight"]))
        }
        try format.finalizeExport(model: ExportModelSummary(
            linearPaths: plan.linearPaths, sourceConfig: directory.configData, dtype: dtype,
            sideFiles: directory.sideFiles, recipe: recipeText,
            embedTokensPath: architecture.embedTokensPath, lmHeadPath: architecture.lmHeadPath))
    }

    private func layerContext(_ index: Int, layout: LayerLayout, dtype: ComputeDType, batch: CalibrationBatch,
                              rope: RotaryEmbedding, precision: ForwardPrecision, progress: ((String) -> Void)?) -> LayerContext {
        let prefix = directory.config.architecture.declaration.layerPrefix(index)
        var assignments: [LinearRole: LinearAssignment] = [:]
        for linear in layout.linears {
            if let (group, scheme) = plan.assignments[prefix + linear.name] {
                assignments[linear.role] = LinearAssignment(group: group, scheme: scheme)
            }
        }
        nonisolated(unsafe) let report = progress
        return LayerContext(index: index, prefix: prefix, layout: layout, dtype: dtype, assignments: assignments,
                            batch: batch, rope: rope, precision: precision, report: { report?($0) })
    }

    /// Runs the modifiers on one layer, each after the pass it needs, then leaves in `batches`
    /// the layer's outputs computed with the layer as the modifiers left it.
    private func runModifiers(_ layer: inout DecoderLayer, _ batches: inout [Batch], _ result: inout LayerQuantization,
                              context: LayerContext, rope: RotaryEmbedding, precision: ForwardPrecision) throws {
        // `propagated`: the batches already hold this layer's outputs for the layer as it stands.
        var propagated = false
        var index = 0
        while index < modifiers.count {
            // A phase: modifiers up to and including the first one that changes the forward.
            var phase: [LayerModifier] = []
            while index < modifiers.count {
                let modifier = modifiers[index]
                phase.append(modifier)
                index += 1
                if modifier.changesForward { break }
            }
            let observing = batches.isEmpty ? [] : phase.filter { $0.needsCalibration(context) }
            if !observing.isEmpty {
                for modifier in observing { try modifier.attach(to: &layer, context: context) }
                // The pass is the propagation too when nothing changes the layer after it.
                let final = index >= modifiers.count && !phase.contains(where: \.changesForward)
                try Profile.time("calibration pass") {
                    try pass(layer, &batches, keepOutputs: final, inputsOnly: !final && !observing.contains(where: \.observesOutputs),
                             context: context, rope: rope, precision: precision)
                }
                propagated = final
                for role in LinearRole.allCases { layer[role].inputTransform = nil }
            }
            for modifier in phase {
                try Profile.time(modifier.name) { try modifier.apply(to: &layer, result: &result, context: context) }
            }
        }
        if !propagated, !batches.isEmpty {
            try Profile.time("propagation pass") {
                try pass(layer, &batches, keepOutputs: true, context: context, rope: rope, precision: precision)
            }
        }
    }

    /// Runs every batch through the layer; replaces the batches' hidden states when `keepOutputs`.
    /// `inputsOnly`: the pass only feeds input hooks (see `DecoderLayer.forward(batch:…)`).
    private func pass(_ layer: DecoderLayer, _ batches: inout [Batch], keepOutputs: Bool, inputsOnly: Bool = false,
                      context: LayerContext, rope: RotaryEmbedding, precision: ForwardPrecision) throws {
        var layer = layer
        if precision.isBFloat16 { layer.prepareForBFloat16() }
        for b in batches.indices {
            context.batch.segments = batches[b].segments
            if keepOutputs {
                layer.forward(batch: &batches[b].hidden, segments: batches[b].segments, rope: rope, precision: precision)
            } else {
                var scratch = batches[b].hidden
                layer.forward(batch: &scratch, segments: batches[b].segments, rope: rope, precision: precision,
                              inputsOnly: inputsOnly)
            }
        }
        context.batch.segments = []
    }

    /// Keeps resident memory flat: source pages of a finished layer are dropped.
    func releasePages(prefix: String) {
        for name in directory.weights.tensorNames where name.hasPrefix(prefix) {
            directory.weights.releasePages(name)
        }
    }

    /// The token embeddings of the samples, in batches of at most `batchRows` rows.
    func embed(_ samples: [[Int]]) throws -> [Batch] {
        let c = directory.config
        let name = c.architecture.declaration.embedTokensPath + ".weight"
        let table = Matrix(rows: c.vocabSize, cols: c.hiddenSize, data: try directory.weights.floats(name))
        directory.weights.releasePages(name)
        var batches: [Batch] = []
        var start = 0
        while start < samples.count {
            var end = start
            var rows = 0
            while end < samples.count, end == start || rows + samples[end].count <= batchRows {
                rows += samples[end].count
                end += 1
            }
            var segments: [Range<Int>] = []
            var hidden = Matrix(rows: rows, cols: c.hiddenSize)
            var row = 0
            for ids in samples[start..<end] {
                segments.append(row..<(row + ids.count))
                for id in ids {
                    guard id >= 0, id < table.rows else {
                        throw PipelineError("calibration token id \(id) is outside the vocabulary (0..<\(table.rows))")
                    }
                    for col in 0..<c.hiddenSize { hidden[row, col] = table[id, col] }
                    row += 1
                }
            }
            batches.append(Batch(hidden: hidden, segments: segments))
            start = end
        }
        return batches
    }

    private func exportLayer(_ layer: DecoderLayer, result: LayerQuantization, context: LayerContext, format: QuantFormat) throws {
        let dtype = context.dtype
        // Biases the architecture does not declare (smoothing shifts): formats that cannot hold
        // them get none when they are all zero (msModelSlim's smooth_quant gives every smoothed
        // norm a zero bias), and refuse the run otherwise.
        var layer = layer
        if !format.storesAddedBiases {
            func isZero(_ bias: [Float]?) -> Bool { bias?.allSatisfy { $0 == 0 } ?? true }
            for declared in context.layout.norms {
                guard var norm = layer[norm: declared.role], norm.bias != nil else { continue }
                guard isZero(norm.bias) else { throw Self.addedBias(context.prefix + declared.name, directory.config) }
                norm.bias = nil
                layer[norm: declared.role] = norm
            }
            for declared in context.layout.linears where !declared.bias && layer[declared.role].bias != nil {
                guard isZero(layer[declared.role].bias) else { throw Self.addedBias(context.prefix + declared.name, directory.config) }
                layer[declared.role].bias = nil
            }
        }
        for declared in context.layout.linears {
            let linear = layer[declared.role]
            if let assignment = context.assignments[declared.role], let weight = result.weights[declared.role] {
                let ir = QuantizedLinear(path: linear.path, group: assignment.group, scheme: assignment.scheme, weight: weight,
                                         bias: linear.bias, inputQParams: result.inputQParams[declared.role])
                try format.processModuleTensors(prefix: linear.path, module: .quantizedLinear(ir))
            } else {
                var tensors = [try tensor(linear.path + ".weight", shape: [linear.outFeatures, linear.inFeatures], linear.weight.data, dtype)]
                if let bias = linear.bias { tensors.append(try tensor(linear.path + ".bias", shape: [bias.count], bias, dtype)) }
                try format.processModuleTensors(prefix: linear.path, module: .float(path: linear.path, tensors: tensors))
            }
            // q/k norms follow o_proj in the checkpoint order transformers writes; a KV-cache
            // quantizer is attached to the attention module after them (msModelSlim's module order).
            if declared.role == .oProj {
                for role in [NormRole.qNorm, .kNorm] {
                    guard let norm = layer[norm: role] else { continue }
                    try format.processModuleTensors(prefix: norm.path, module: .float(path: norm.path, tensors: [
                        try tensor(norm.path + ".weight", shape: [norm.weight.count], norm.weight, dtype)]))
                }
                if let cache = result.kvCache {
                    try format.processModuleTensors(prefix: cache.attentionPath, module: .kvCache(cache))
                }
            }
        }
        for role in [NormRole.inputLayerNorm, .postAttentionLayerNorm] {
            guard let norm = layer[norm: role] else { continue }
            var tensors = [try tensor(norm.path + ".weight", shape: [norm.weight.count], norm.weight, dtype)]
            if let bias = norm.bias {
                tensors.append(try tensor(norm.path + ".bias", shape: [bias.count], bias, dtype))
            }
            try format.processModuleTensors(prefix: norm.path, module: .float(path: norm.path, tensors: tensors))
        }
    }

    /// The error for a nonzero bias a format cannot hold.
    static func addedBias(_ path: String, _ config: ModelConfiguration) -> PipelineError {
        PipelineError("\(path).bias: a smoothing shift gave it a bias that a compressed-tensors checkpoint cannot hold (transformers' \(config.architecture.declaration.classPrefix) modules have none there); save with ascendv1_saver only")
    }

    /// A float tensor of the layer as it stands, stored in the dtype the source checkpoint stores
    /// it in. Values the modifiers did not touch came from that dtype, so they are written back
    /// bit for bit.
    private func tensor(_ name: String, shape: [Int], _ values: [Float], _ dtype: ComputeDType) throws -> WritableTensor {
        let storage = (try? directory.weights.info(name).dtype) ?? dtype.storage
        guard let tensor = WritableTensor(name: name, shape: shape, floats: values, as: storage) else {
            throw PipelineError("\(name): cannot store as \(storage.rawValue)")
        }
        return tensor
    }

    /// A module's tensors copied bit for bit from the source checkpoint (absent ones skipped):
    /// for the modules outside the decoder layers, which no modifier changes.
    func sourceModule(_ path: String, _ names: [String]) throws -> ExportModule {
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
