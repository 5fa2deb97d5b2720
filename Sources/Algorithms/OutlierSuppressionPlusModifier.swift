import Foundation
import Models
import Quantization
import Tensors

/// Outlier Suppression+ (Wei et al. 2023), msModelSlim's legacy anti-outlier method m2, on the
/// norm-linear subgraphs (input_layernorm → q/k/v, post_attention_layernorm → gate/up).
///
/// msModelSlim's own m2 (`os_ln_fcs`) is compiled (`anti_utils*.so`); what its legacy output on
/// stories260K shows is reproduced in kind: with its default `ch_align=False` the channel shift
/// is not applied (the norm biases it writes are all zero), and the per-channel scales are ≥ 1,
/// exactly 1 on channels without outliers. The scaling here is the published one:
///
/// - from the calibration pass, M_j = max |X_j| of the subgraph's input and a fixed subsample of
///   its rows (every `rowStride`-th row, at most `maxRows`);
/// - for t_k = T·k/`gridSize` (k = `gridSize` … 1, T = max_j M_j), s_j(t) = max(1, M_j / t);
/// - loss(t) = Σ over the balance Linears of ‖Q_a(X/s)·Q_w(W·s)ᵀ − X·Wᵀ‖² on the subsample, with
///   the Linears' own schemes in msModelSlim's min/max arithmetic (activations per tensor from the
///   subsample's range, weights per output channel); the t of least loss wins (k = `gridSize` is
///   s = 1, so the chosen scales never do worse than none on the subsample);
/// - W[:, j] ← W[:, j]·s_j for every balance Linear, norm weight g_j ← g_j / s_j, so the float
///   model is unchanged up to rounding.
///
/// With `shift` (the paper's channel shift, off by default as in msModelSlim), X is first replaced by
/// X − z with z_j = (max X_j + min X_j)/2 over all calibration tokens: M, the subsample and the loss
/// use the shifted rows, every balance Linear gets b ← b + W z (W before scaling; a bias created
/// when absent) and the norm a bias (β − z)/s, which only the AscendV1 format can hold.
public final class OutlierSuppressionPlusModifier: LayerModifier {
    /// Settings of the search.
    public struct Settings: Sendable {
        /// Candidate thresholds (msModelSlim's `os_k`, default 100).
        public var gridSize: Int
        /// Every `rowStride`-th calibration row enters the loss …
        public var rowStride: Int
        /// … up to this many rows.
        public var maxRows: Int
        /// Remove the channel shift z into norm and Linear biases first.
        public var shift: Bool

        /// The defaults: 100 thresholds, every 128th row, at most 256 rows, no shift.
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
            layer[first].addInputObserver { x in sample.add(x) }
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

    /// The scales of the threshold of least quantized-output error.
    func search(_ layer: DecoderLayer, mapping: ScaleMapping, sample: RowSample, context: LayerContext) throws -> [Float] {
        var x = sample.rows
        let width = x.cols
        var absMax = sample.absMax
        if settings.shift {
            let z = sample.shift
            for r in 0..<x.rows {
                for c in 0..<width { x[r, c] -= z[c] }
            }
            absMax = zip(sample.low, sample.high).enumerated().map { c, range in max(abs(range.0 - z[c]), abs(range.1 - z[c])) }
        }
        let top = absMax.max() ?? 0
        guard top > 0 else { return [Float](repeating: 1, count: width) }
        let reference = mapping.balance.map { BLAS.linear(x, weight: layer[$0].weight, bias: nil) }
        var best: (loss: Double, scales: [Float])?
        let grid = max(1, settings.gridSize)
        for k in stride(from: grid, through: 1, by: -1) {
            let t = top * Float(k) / Float(grid)
            let scales = absMax.map { max(1, $0 / t) }
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

/// Every `stride`-th row of a Linear's calibration input (at most `limit`) and the per-channel
/// max |x|, min and max over all rows.
final class RowSample: @unchecked Sendable {
    // Updated by hooks on the pipeline's thread only.
    private(set) var rows: Matrix
    private(set) var absMax: [Float]
    private(set) var low: [Float]
    private(set) var high: [Float]

    /// z = (max + min)/2 per channel.
    var shift: [Float] { zip(high, low).map { ($0 + $1) / 2 } }
    private let stride: Int, limit: Int
    private var seen = 0

    init(width: Int, stride: Int, limit: Int) {
        rows = Matrix(rows: 0, cols: width)
        absMax = [Float](repeating: 0, count: width)
        low = [Float](repeating: .infinity, count: width)
        high = [Float](repeating: -.infinity, count: width)
        self.stride = stride
        self.limit = limit
    }

    func add(_ x: Matrix) {
        let width = absMax.count
        var kept: [Float] = []
        for r in 0..<x.rows {
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
        seen += x.rows
        if !kept.isEmpty {
            rows = Matrix(rows: rows.rows + kept.count / width, cols: width, data: rows.data + kept)
        }
    }
}
