import Foundation
import Models
import Quantization
import Tensors

/// Outlier Suppression+ (Wei et al. 2023) as msModelSlim's legacy anti-outlier method m2 runs it
/// (`os_ln_fcs`, compiled in `anti_utils*.so`), on the norm-linear subgraphs (input_layernorm →
/// q/k/v, post_attention_layernorm → gate/up). What its outputs show (probed with msModelSlim
/// 26.1.0's own function on stories260K, `scripts/interop/os_plus_vs_legacy.py`):
///
/// - per channel, c_j = the running max over samples of max(x_j − z_j), with z = (max + min)/2 of
///   the running range after each sample (msModelSlim's `thres_c`; signed, not |x|);
/// - a scaled channel gets s_j = √(c_j / max_o |W[o, j]|) (max over the balance Linears): exactly
///   SmoothQuant at α 0.5 with c as the activation statistic; the other channels keep s = 1;
/// - the scaled channels are the k of largest c_j, k searched by the quantized-output loss.
///
/// Here k runs over 0…C (C = channels; with more than `gridSize` channels, `gridSize` + 1 evenly
/// spaced values) and the loss is Σ over the balance Linears of ‖Q_a(X/s)·Q_w(W·s)ᵀ − X·Wᵀ‖² on a
/// fixed subsample of calibration rows (every `rowStride`-th, at most `maxRows`) with the Linears'
/// own schemes in msModelSlim's min/max arithmetic; k = 0 (no scaling) is a candidate, so the
/// scales never do worse than none on the subsample. msModelSlim's exact selection rule is not
/// reproduced (it also reads the tensor-wise std and the first sample only): on stories260K the same
/// channel count is chosen in some subgraphs only. W[:, j] ← W[:, j]·s_j, norm weight g_j ← g_j / s_j,
/// so the float model is unchanged up to rounding.
///
/// msModelSlim's default (`ch_align=False`) applies no shift (the norm biases it writes are zero).
/// With `shift`, X is first replaced by X − z (z over all calibration tokens): every balance Linear
/// gets b ← b + W z (W before scaling; a bias created when absent) and the norm a bias (β − z)/s,
/// which only the AscendV1 format can hold.
public final class OutlierSuppressionPlusModifier: LayerModifier {
    /// Settings of the search.
    public struct Settings: Sendable {
        /// Most candidate channel counts beyond k = 0 (default 100).
        public var gridSize: Int
        /// Every `rowStride`-th calibration row enters the loss …
        public var rowStride: Int
        /// … up to this many rows.
        public var maxRows: Int
        /// Remove the channel shift z into norm and Linear biases first.
        public var shift: Bool

        /// The defaults: at most 100 channel counts, every 128th row, at most 256 rows, no shift.
        public init(gridSize: Int = 100, rowStride: Int = 128, maxRows: Int = 256, shift: Bool = false) {
            self.gridSize = gridSize
            self.rowStride = rowStride
            self.maxRows = maxRows
            self.shift = shift
        }
    }

    public let settings: Settings
    public var name: String { "OutlierSuppressionPlus" }
    public var changesForward: Bool { true }
    /// msModelSlim runs transformers' default attention (`sdpa`).
    public var calibrationAttention: ForwardPrecision.Attention { .sdpa }
    private var samples: [(mapping: ScaleMapping, sample: RowSample)] = []

    /// A modifier with `settings`.
    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    static let mappings = [
        ScaleMapping(smooth: .norm(.inputLayerNorm), balance: [.qProj, .kProj, .vProj], parent: .attention),
        ScaleMapping(smooth: .norm(.postAttentionLayerNorm), balance: [.gateProj, .upProj], parent: .mlp),
    ]

    public func needsCalibration(_ context: LayerContext) -> Bool { true }

    public func attach(to layer: inout DecoderLayer, context: LayerContext) throws {
        samples = []
        for mapping in Self.mappings {
            guard let first = mapping.balance.first else { continue }
            let sample = RowSample(width: context.layout.linear(first).inFeatures, stride: max(1, settings.rowStride), limit: max(1, settings.maxRows))
            samples.append((mapping, sample))
            let batch = context.batch
            layer[first].addInputObserver { x in sample.add(x, segments: batch.segments) }
        }
    }

    public func apply(to layer: inout DecoderLayer, result: inout LayerQuantization, context: LayerContext) throws {
        defer { samples = [] }
        for (mapping, sample) in samples {
            guard sample.rows.rows > 0 else {
                throw AlgorithmError("\(context.prefix)…: Outlier Suppression+ saw no calibration tokens")
            }
            let shift = settings.shift ? sample.shift : nil
            let scales = try search(layer, mapping: mapping, sample: sample, context: context)
            let d = context.dtype
            for role in mapping.balance {
                var linear = layer[role]
                var w = linear.weight
                if let shift {
                    var bias = linear.bias ?? [Float](repeating: 0, count: w.rows)
                    for r in 0..<w.rows {
                        var dot: Float = 0
                        for c in 0..<w.cols { dot += w[r, c] * shift[c] }
                        bias[r] = d.round(bias[r] + dot)
                    }
                    linear.bias = bias
                }
                for r in 0..<w.rows {
                    for c in 0..<w.cols { w[r, c] = d.round(w[r, c] * scales[c]) }
                }
                linear.weight = w
                layer[role] = linear
            }
            guard case .norm(let role) = mapping.smooth, var norm = layer[norm: role] else { continue }
            for j in 0..<scales.count { norm.weight[j] = d.round(norm.weight[j] / scales[j]) }
            if let shift {
                let old = norm.bias ?? [Float](repeating: 0, count: scales.count)
                norm.bias = (0..<scales.count).map { d.round(d.round(old[$0] - shift[$0]) / scales[$0]) }
            }
            layer[norm: role] = norm
        }
    }

    /// The scales of the channel count of least quantized-output error.
    func search(_ layer: DecoderLayer, mapping: ScaleMapping, sample: RowSample, context: LayerContext) throws -> [Float] {
        var x = sample.rows
        let width = x.cols
        if settings.shift {
            let z = sample.shift
            for r in 0..<x.rows {
                for c in 0..<width { x[r, c] -= z[c] }
            }
        }
        let threshold = sample.thresholdMax
        var weightMax = [Float](repeating: 0, count: width)
        for role in mapping.balance {
            let w = layer[role].weight
            for r in 0..<w.rows {
                for c in 0..<width { weightMax[c] = max(weightMax[c], abs(w[r, c])) }
            }
        }
        let candidate = (0..<width).map { j -> Float in
            threshold[j] > 0 && weightMax[j] > 0 ? max(1, (threshold[j] / weightMax[j]).squareRoot()) : 1
        }
        let order = (0..<width).sorted { threshold[$0] > threshold[$1] || (threshold[$0] == threshold[$1] && $0 < $1) }
        let grid = max(1, settings.gridSize)
        let counts = width <= grid ? Array(0...width)
            : Array(Set((0...grid).map { Int((Double(width) * Double($0) / Double(grid)).rounded()) })).sorted()
        let reference = mapping.balance.map { BLAS.linear(x, weight: layer[$0].weight, bias: nil) }
        var best: (loss: Double, scales: [Float])?
        for k in counts {
            var scales = [Float](repeating: 1, count: width)
            for j in order.prefix(k) { scales[j] = candidate[j] }
            var loss = 0.0
            for (index, role) in mapping.balance.enumerated() {
                let scheme = context.assignments[role]?.scheme
                var xs = x
                for r in 0..<xs.rows {
                    for c in 0..<width { xs[r, c] /= scales[c] }
                }
                if let input = scheme?.inputActivations, !input.dynamic.isDynamic {
                    var lo = Float.infinity, hi = -Float.infinity
                    for v in xs.data { lo = min(lo, v); hi = max(hi, v) }
                    let q = ModelSlimArithmetic.qparams(min: lo, max: hi, bits: input.numBits, symmetric: input.symmetric, dtype: .float32)
                    let count = xs.count
                    xs.data.withUnsafeMutableBufferPointer { p in
                        if let base = p.baseAddress { ModelSlimArithmetic.fakeQuantize(base, count: count, q, bits: input.numBits, dtype: .float32) }
                    }
                }
                var w = layer[role].weight
                for r in 0..<w.rows {
                    for c in 0..<width { w[r, c] *= scales[c] }
                }
                if let args = scheme?.weights {
                    w = try ModelSlimArithmetic.quantizeWeight(w, args: args, dtype: .float32).dequantized()
                }
                let y = BLAS.linear(xs, weight: w, bias: nil)
                let ref = reference[index]
                for i in 0..<y.count {
                    let e = Double(y.data[i] - ref.data[i])
                    loss += e * e
                }
            }
            if loss < (best?.loss ?? .infinity) { best = (loss, scales) }
        }
        return best?.scales ?? [Float](repeating: 1, count: width)
    }
}

/// Every `stride`-th row of a Linear's calibration input (at most `limit`), the per-channel min and
/// max over all rows, and msModelSlim's `thres_c`: the running max of x − z per sample, z the
/// running (max + min)/2 after that sample.
final class RowSample: @unchecked Sendable {
    // Updated by hooks on the pipeline's thread only.
    private(set) var rows: Matrix
    private(set) var absMax: [Float]
    private(set) var low: [Float]
    private(set) var high: [Float]
    private(set) var thresholdMax: [Float]

    /// z = (max + min)/2 per channel.
    var shift: [Float] { zip(high, low).map { ($0 + $1) / 2 } }
    private let stride: Int, limit: Int
    private var seen = 0

    init(width: Int, stride: Int, limit: Int) {
        rows = Matrix(rows: 0, cols: width)
        absMax = [Float](repeating: 0, count: width)
        low = [Float](repeating: .infinity, count: width)
        high = [Float](repeating: -.infinity, count: width)
        thresholdMax = [Float](repeating: -.infinity, count: width)
        self.stride = stride
        self.limit = limit
    }

    func add(_ x: Matrix, segments: [Range<Int>] = []) {
        let width = absMax.count
        var kept: [Float] = []
        for segment in segments.isEmpty ? [0..<x.rows] : segments {
            for r in segment {
                for c in 0..<width {
                    let v = x[r, c]
                    absMax[c] = max(absMax[c], abs(v))
                    low[c] = min(low[c], v)
                    high[c] = max(high[c], v)
                }
                if (seen + r) % stride == 0 && rows.rows + kept.count / width < limit {
                    for c in 0..<width { kept.append(x[r, c]) }
                }
            }
            let z = shift
            for r in segment {
                for c in 0..<width { thresholdMax[c] = max(thresholdMax[c], x[r, c] - z[c]) }
            }
        }
        seen += x.rows
        if !kept.isEmpty {
            rows = Matrix(rows: rows.rows + kept.count / width, cols: width, data: rows.data + kept)
        }
    }
}
