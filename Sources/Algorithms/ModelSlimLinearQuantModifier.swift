import Foundation
import Models
import Quantization
import Tensors

/// msModelSlim 26.1.0's `linear_quant` process (modelslim_v1), with its arithmetic
/// (`ModelSlimArithmetic`) and its calibration semantics (formats.md §2, §2.7):
///
/// - weights are quantized once, with min/max qparams, before the calibration pass; from then on
///   every quantized Linear computes with its fake-quantized weight, in this layer and (through the
///   propagated hidden states) for every later layer;
/// - a static per-tensor activation keeps a running min of mins and max of maxes over the
///   calibration samples in order; each sample first updates the range, then is fake-quantized
///   with the qparams of the range so far, and the Linear computes on that. So the ranges of later
///   Linears are observed with quantization already active in the earlier ones, as msModelSlim's
///   model-wise runner does; a plain float forward reproduces only 3 of 35 `input_scale`s of
///   stories260K.
///
/// The calibration pass is therefore also the propagation: its outputs feed the next layer.
/// Dynamic per-token activations and weight-only schemes need no data.
///
/// With `deploysFakeQuantization` (msModelSlim's runner when a `dynamic_cache` process follows),
/// the layer is re-run after calibration with the final fake-quantized Linears (static inputs at
/// their final qparams, dynamic per-token inputs fake-quantized per token): that pass feeds the
/// later processes and the next layer.
public final class ModelSlimLinearQuantModifier: LayerModifier {
    public var name: String { "linear_quant" }
    /// The fake quantization is part of the calibration forward, not a change made after it —
    /// unless the final fake-quantized layer is deployed for a re-run.
    public var changesForward: Bool { deploysFakeQuantization }
    /// Whether `apply` leaves the final fake quantization installed for a re-run of the layer.
    public let deploysFakeQuantization: Bool
    /// msModelSlim runs transformers' default attention (`sdpa`).
    public var calibrationAttention: ForwardPrecision.Attention { .sdpa }

    private var weights: [LinearRole: QuantizedWeight] = [:]
    private let ranges = RunningRanges()

    /// Config groups whose static ranges are the mean of the per-sample min/max
    /// (`aggregation_type: mean`, formats.md §2.7) instead of the running min of mins / max of maxes.
    public let meanAggregationGroups: Set<String>

    /// A modifier for the plan's schemes.
    public init(deploysFakeQuantization: Bool = false, meanAggregationGroups: Set<String> = []) {
        self.deploysFakeQuantization = deploysFakeQuantization
        self.meanAggregationGroups = meanAggregationGroups
    }

    public func needsCalibration(_ context: LayerContext) -> Bool {
        InputActivationObservers.needed(context)
    }

    public func attach(to layer: inout DecoderLayer, context: LayerContext) throws {
        weights = [:]
        ranges.reset()
        for role in LinearRole.allCases {
            guard let assignment = context.assignments[role] else { continue }
            if let args = assignment.scheme.weights {
                let quantized = try ModelSlimArithmetic.quantizeWeight(layer[role].weight, args: args, dtype: context.dtype)
                weights[role] = quantized
                layer[role].weight = quantized.dequantized()
            }
            guard let input = assignment.scheme.inputActivations, !input.dynamic.isDynamic else { continue }
            guard input.type == .int, input.resolvedStrategy == .tensor else {
                throw AlgorithmError("\(context.path(role)): msModelSlim static activations are int per_tensor only (got \(input.type.rawValue) \(input.resolvedStrategy.rawValue))")
            }
            let batch = context.batch, dtype = context.dtype, ranges = self.ranges
            let mean = meanAggregationGroups.contains(assignment.group)
            let previous = layer[role].inputTransform
            layer[role].inputTransform = InputTransform { x, path in
                previous?.apply(&x, path)
                ranges.observeAndFakeQuantize(&x, role: role, segments: batch.segments, args: input, dtype: dtype, mean: mean)
            }
        }
    }

    public func apply(to layer: inout DecoderLayer, result: inout LayerQuantization, context: LayerContext) throws {
        for role in LinearRole.allCases {
            guard let assignment = context.assignments[role] else { continue }
            if let args = assignment.scheme.weights, result.weights[role] == nil {
                result.weights[role] = try weights[role] ?? ModelSlimArithmetic.quantizeWeight(layer[role].weight, args: args, dtype: context.dtype)
            }
            if let input = assignment.scheme.inputActivations, !input.dynamic.isDynamic,
               let q = ranges.qparams(role, args: input, dtype: context.dtype) {
                result.inputQParams[role] = q
            }
            if deploysFakeQuantization { try deploy(role, assignment: assignment, layer: &layer, result: result, context: context) }
        }
        weights = [:]
        ranges.reset()
    }
}

extension ModelSlimLinearQuantModifier {
    /// Installs the final fake quantization of one Linear: its quantized weight, and its inputs at
    /// their final static qparams (or per token when dynamic).
    func deploy(_ role: LinearRole, assignment: LinearAssignment, layer: inout DecoderLayer, result: LayerQuantization,
                context: LayerContext) throws {
        if let weight = result.weights[role] { layer[role].weight = weight.dequantized() }
        guard let input = assignment.scheme.inputActivations else { return }
        let dtype = context.dtype, bits = input.numBits
        if input.dynamic.isDynamic {
            guard input.resolvedStrategy == .token, input.type == .int else {
                throw AlgorithmError("\(context.path(role)): msModelSlim dynamic activations are int per_token only")
            }
            layer[role].inputTransform = InputTransform { x, _ in
                let rows = x.rows, cols = x.cols
                x.data.withUnsafeMutableBufferPointer { buffer in
                    guard let base = buffer.baseAddress else { return }
                    ModelSlimArithmetic.fakeQuantizeRows(base, rows: rows, cols: cols, bits: bits, symmetric: input.symmetric, dtype: dtype)
                }
            }
            return
        }
        guard let q = result.inputQParams[role] else { return }
        layer[role].inputTransform = InputTransform { x, _ in
            let count = x.count
            x.data.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                ModelSlimArithmetic.fakeQuantize(base, count: count, q, bits: bits, dtype: dtype)
            }
        }
    }
}

/// Running min of mins / max of maxes per Linear over the calibration samples, in order — or, with
/// `mean`, the mean of the per-sample min and max (sums in float64, k samples so far, then f32).
final class RunningRanges: @unchecked Sendable {
    // Updated from the hooks on the pipeline's thread (one Linear at a time).
    private var ranges: [LinearRole: (min: Float, max: Float)] = [:]
    private var sums: [LinearRole: (min: Double, max: Double, count: Int)] = [:]
    private let lock = NSLock()

    func reset() {
        lock.lock(); defer { lock.unlock() }
        ranges = [:]
        sums = [:]
    }

    func qparams(_ role: LinearRole, args: QuantizationArgs, dtype: ComputeDType) -> QParams? {
        lock.lock(); defer { lock.unlock() }
        guard let r = ranges[role] else { return nil }
        return ModelSlimArithmetic.qparams(min: r.min, max: r.max, bits: args.numBits, symmetric: args.symmetric, dtype: dtype)
    }

    /// For each sample (row range) in order: fold its min/max into the range, then fake-quantize
    /// its rows with the qparams of the range so far.
    func observeAndFakeQuantize(_ x: inout Matrix, role: LinearRole, segments: [Range<Int>], args: QuantizationArgs, dtype: ComputeDType,
                                mean: Bool = false) {
        let width = x.cols
        let parts = segments.isEmpty ? [0..<x.rows] : segments
        lock.lock(); defer { lock.unlock() }
        x.data.withUnsafeMutableBufferPointer { xp in
            guard let base = xp.baseAddress else { return }
            for segment in parts {
                let start = base + segment.lowerBound * width, count = segment.count * width
                var lo = Float.infinity, hi = -Float.infinity
                for i in 0..<count {
                    lo = Swift.min(lo, start[i])
                    hi = Swift.max(hi, start[i])
                }
                let r: (Float, Float)
                if mean {
                    let sum = sums[role].map { ($0.min + Double(lo), $0.max + Double(hi), $0.count + 1) } ?? (Double(lo), Double(hi), 1)
                    sums[role] = sum
                    r = (Float(sum.0 / Double(sum.2)), Float(sum.1 / Double(sum.2)))
                } else {
                    r = ranges[role].map { (Swift.min($0.min, lo), Swift.max($0.max, hi)) } ?? (lo, hi)
                }
                ranges[role] = r
                let q = ModelSlimArithmetic.qparams(min: r.0, max: r.1, bits: args.numBits, symmetric: args.symmetric, dtype: dtype)
                ModelSlimArithmetic.fakeQuantize(start, count: count, q, bits: args.numBits, dtype: dtype)
            }
        }
    }
}
