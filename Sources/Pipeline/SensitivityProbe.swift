import Foundation
import Models
import Quantization
import Tensors

/// SwiftQuant's direct layer-fallback measure: for every group of quantized Linears reading one
/// input (q/k/v, gate/up, o, down), the mean KL divergence KL(p_float ‖ p_G) of the model's
/// next-token distributions over a few calibration samples, where p_G is the model with only that
/// group quantized (weights fake-quantized, inputs fake-quantized with the range observed on the
/// float model, or per token when dynamic). Every member gets the group's score.
///
/// The float model is held in memory (fp32) with each layer's input hidden states, so a probe runs
/// only from the probed Linear's layer to the head. Cost: one partial forward per quantized Linear.
public struct SensitivityProbe {
    /// Whose quantization arithmetic the probe uses.
    public enum Arithmetic: Sendable {
        case compressedTensors
        case modelSlim
    }

    public let directory: ModelDirectory
    public let plan: QuantizationPlan
    /// Token ids of the probe samples.
    public let samples: [[Int]]
    public let arithmetic: Arithmetic

    /// Creates a probe over `samples`.
    public init(directory: ModelDirectory, plan: QuantizationPlan, samples: [[Int]], arithmetic: Arithmetic) {
        self.directory = directory
        self.plan = plan
        self.samples = samples
        self.arithmetic = arithmetic
    }

    /// Every quantized Linear's score, in module order.
    public func scores(progress: ((String) -> Void)? = nil) throws -> [(path: String, score: Double)] {
        guard !samples.isEmpty else { throw PipelineError("the layer-fallback probe needs calibration samples") }
        var model = try CausalLM.load(directory)
        let ranges = InputRanges()
        let paths = plan.linearPaths.filter { plan.assignments[$0] != nil }
        for path in paths {
            _ = model.withLinear(at: path) { linear in linear.addInputObserver { ranges.observe($0, path: path) } }
        }
        // Float pass: each layer's input per sample, and the reference log-probabilities.
        var inputs: [[Matrix]] = []
        var reference: [Reference] = []
        for ids in samples {
            var hidden = try model.embed(ids)
            var perLayer: [Matrix] = []
            var none: KVCache? = nil
            for index in model.layers.indices {
                perLayer.append(hidden)
                model.forwardLayer(index, &hidden, cache: &none)
            }
            inputs.append(perLayer)
            reference.append(Reference(logits: model.logits(normalized: model.finalNorm(hidden))))
        }
        for path in paths { _ = model.withLinear(at: path) { $0.inputTransform = nil } }
        // The unit probed is an input group (q/k/v, gate/up, …): msModelSlim's fallback unit too,
        // since Linears reading one input share a score there.
        let architecture = directory.config.architecture.declaration
        var units: [(layer: Int, paths: [String])] = []
        for index in model.layers.indices {
            for group in directory.config.layout.inputGroups {
                let members = group.map { architecture.layerPrefix(index) + directory.config.layout.linear($0).name }
                    .filter { plan.assignments[$0] != nil }
                if !members.isEmpty { units.append((index, members)) }
            }
        }
        var scoreOf: [String: Double] = [:]
        for (n, unit) in units.enumerated() {
            progress?("probing \(n + 1)/\(units.count)")
            var probe = model
            for path in unit.paths {
                guard let scheme = plan.assignments[path]?.scheme else { continue }
                try probe.withLinear(at: path) { linear in
                    try quantizeInPlace(&linear, scheme: scheme, range: ranges.range(path))
                }
            }
            var divergence = 0.0, tokens = 0
            for s in samples.indices {
                var hidden = inputs[s][unit.layer]
                var none: KVCache? = nil
                for index in unit.layer..<probe.layers.count { probe.forwardLayer(index, &hidden, cache: &none) }
                divergence += reference[s].divergence(to: probe.logits(normalized: probe.finalNorm(hidden)))
                tokens += hidden.rows
            }
            for path in unit.paths { scoreOf[path] = divergence / Double(max(tokens, 1)) }
        }
        let result = paths.compactMap { path in scoreOf[path].map { (path: path, score: $0) } }
        return result
    }

    /// Replaces the Linear's weight by its fake-quantized value and installs its input quantization.
    func quantizeInPlace(_ linear: inout Linear, scheme: QuantizationScheme, range: (min: Float, max: Float)?) throws {
        if let args = scheme.weights {
            switch arithmetic {
            case .compressedTensors: linear.weight = try WeightQuantizer.quantize(linear.weight, args: args, dtype: .float32).dequantized()
            case .modelSlim: linear.weight = try ModelSlimArithmetic.quantizeWeight(linear.weight, args: args, dtype: .float32).dequantized()
            }
        }
        guard let input = scheme.inputActivations else { return }
        let arithmetic = self.arithmetic
        if input.dynamic.isDynamic {
            linear.inputTransform = InputTransform { x, _ in
                let cols = x.cols
                for r in 0..<x.rows {
                    var lo = Float.infinity, hi = -Float.infinity
                    for c in 0..<cols { lo = min(lo, x[r, c]); hi = max(hi, x[r, c]) }
                    Self.fakeQuantizeRow(&x, row: r, min: lo, max: hi, args: input, arithmetic: arithmetic)
                }
            }
            return
        }
        guard let range else { return }
        linear.inputTransform = InputTransform { x, _ in
            for r in 0..<x.rows { Self.fakeQuantizeRow(&x, row: r, min: range.min, max: range.max, args: input, arithmetic: arithmetic) }
        }
    }

    static func fakeQuantizeRow(_ x: inout Matrix, row r: Int, min lo: Float, max hi: Float, args: QuantizationArgs, arithmetic: Arithmetic) {
        switch arithmetic {
        case .compressedTensors:
            let q = QuantArithmetic.qparams(min: lo, max: hi, args: args, dtype: .float32)
            for c in 0..<x.cols { x[r, c] = QuantArithmetic.fakeQuantize(x[r, c], q, args: args, dtype: .float32) }
        case .modelSlim:
            let q = ModelSlimArithmetic.qparams(min: lo, max: hi, bits: args.numBits, symmetric: args.symmetric, dtype: .float32)
            let cols = x.cols
            x.data.withUnsafeMutableBufferPointer { buffer in
                guard let row = buffer.baseAddress.map({ $0 + r * cols }) else { return }
                ModelSlimArithmetic.fakeQuantize(row, count: cols, q, bits: args.numBits, dtype: .float32)
            }
        }
    }

}

/// The float model's next-token distributions of one sample: p per row, and Σ p·log p.
struct Reference {
    let probabilities: Matrix
    let negativeEntropy: Double

    init(logits: Matrix) {
        var p = logits
        var total = 0.0
        let vocab = logits.cols
        for r in 0..<logits.rows {
            p.data.withUnsafeMutableBufferPointer { buffer in
                guard let row = buffer.baseAddress.map({ $0 + r * vocab }) else { return }
                let lse = VectorMath.logSumExp(row, count: vocab)
                for v in 0..<vocab {
                    let logP = row[v] - lse
                    row[v] = exp(logP)
                    total += Double(row[v]) * Double(logP)
                }
            }
        }
        probabilities = p
        negativeEntropy = total
    }

    /// Σ over rows of KL(p ‖ softmax(logits)) = Σ p·log p − Σ (p·logits − logsumexp(logits)).
    func divergence(to logits: Matrix) -> Double {
        let vocab = logits.cols
        var cross = 0.0
        logits.data.withUnsafeBufferPointer { lp in
            probabilities.data.withUnsafeBufferPointer { pp in
                guard let l = lp.baseAddress, let p = pp.baseAddress else { return }
                for r in 0..<logits.rows {
                    let row = l + r * vocab, prob = p + r * vocab
                    // In double: KL is a small difference of two sums of ~vocab terms.
                    var dot = 0.0
                    for v in 0..<vocab { dot += Double(prob[v]) * Double(row[v]) }
                    cross += dot - Double(VectorMath.logSumExp(row, count: vocab))
                }
            }
        }
        return negativeEntropy - cross
    }
}

/// Running min/max of each probed Linear's input over the float pass.
final class InputRanges: @unchecked Sendable {
    private var ranges: [String: (min: Float, max: Float)] = [:]
    private let lock = NSLock()

    func observe(_ x: Matrix, path: String) {
        var lo = Float.infinity, hi = -Float.infinity
        for v in x.data { lo = min(lo, v); hi = max(hi, v) }
        lock.lock(); defer { lock.unlock() }
        let r = ranges[path].map { (min($0.min, lo), max($0.max, hi)) } ?? (lo, hi)
        ranges[path] = r
    }

    func range(_ path: String) -> (min: Float, max: Float)? {
        lock.lock(); defer { lock.unlock() }
        return ranges[path]
    }
}
