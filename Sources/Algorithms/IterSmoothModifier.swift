import Foundation
import Models
import Quantization
import Tensors

/// msModelSlim 26.1.0's smoothing processes `iter_smooth` (anti-outlier method m4) and
/// `smooth_quant` (m1), which share one scale calculator in msModelSlim
/// (`processor/anti_outlier/iter_smooth/api.py`, `smooth_quant/api.py`,
/// `common/scale_computation.py` `IterSmoothScaleCalculator`, `common/subgraph_fusion.py`):
///
/// - one calibration pass records, for the first Linear of every subgraph, the per-channel
///   a_j = max |X_j| of its input over all calibration tokens;
/// - the subgraphs are then smoothed in msModelSlim's priority order — up-down, ov,
///   linear-linear, norm-linear — each reading the weights as the earlier ones left them;
/// - w_j is the weight statistic: for norm-linear max over the balance Linears of max_o |W[o, j]|;
///   for up-down and ov msModelSlim passes the raw weight, so it is the **signed** max_o W[o, j]
///   of down_proj / o_proj (reproduced as is); w_j ← max(w_j, 1e-5);
/// - s_j = max(a_j^α / w_j^(1−α), scale_min), every operation rounded to the model dtype;
/// - the balance Linear's input columns are multiplied by s (W[:, j] · s_j) and the source
///   (norm weight, or up_proj / v_proj output rows and bias) by the reciprocal r_j = 1/s_j
///   (msModelSlim multiplies by the rounded reciprocal rather than dividing);
/// - ov under grouped-query attention: s is computed per o_proj input channel (query head ×
///   head_dim), then averaged over the query heads sharing a KV head (msModelSlim's
///   `reduce_scales_for_mqga_mean`): v_proj's rows get the KV head's mean and every o_proj column
///   of that group the same value, so the float model is unchanged.
///
/// `symmetric: false` (norm-linear subgraphs only, as in msModelSlim): the per-channel shift
/// z_j = (max X_j + min X_j)/2 (running min/max, sample by sample) is removed from the norm's output
/// and a_j = max |X_j − z_j| uses the shift as it stood when each sample was observed; then every
/// balance Linear gets b ← b + W z (W before scaling, a bias created when absent) and the norm a
/// bias β ← β·r − z·r (created as zeros). `smooth_quant` gives every smoothed norm a bias (zero
/// when symmetric), as msModelSlim replaces those norms with its `RMSNormBias`.
///
/// The smoothing leaves the float outputs unchanged up to rounding.
public final class IterSmoothModifier: LayerModifier {
    /// msModelSlim's subgraph kinds (`enable_subgraph_type`).
    public enum Subgraph: String, Sendable, CaseIterable {
        /// A norm feeding Linears (input_layernorm → q/k/v, post_attention_layernorm → gate/up).
        case normLinear = "norm-linear"
        /// A Linear feeding another directly; Llama-family blocks have none.
        case linearLinear = "linear-linear"
        /// v_proj → o_proj through attention.
        case ov
        /// up_proj → down_proj through silu(gate) · up.
        case upDown = "up-down"

        /// msModelSlim's `SUBGRAPH_PRIORITY`: lower runs first.
        var priority: Int {
            switch self {
            case .upDown: 1
            case .ov: 2
            case .linearLinear: 3
            case .normLinear: 4
            }
        }
    }

    /// Settings of the modifier.
    public struct Settings: Sendable {
        /// The process name shown in progress and errors (`iter_smooth` or `smooth_quant`).
        public var process: String
        /// α in s = a^α / w^(1−α).
        public var alpha: Double
        /// Lower bound of a scale (`scale_min`).
        public var scaleMin: Double
        /// The subgraph kinds to smooth.
        public var subgraphs: Set<Subgraph>
        /// A subgraph is smoothed when its source module (norm, up_proj, v_proj) matches one of
        /// these and none of `exclude`.
        public var include: [ModulePattern]
        public var exclude: [ModulePattern]
        /// false: norm-linear subgraphs also shift their activations (norm and Linear biases).
        public var symmetric: Bool
        /// Every smoothed norm gets a bias, zero when symmetric (msModelSlim's smooth_quant).
        public var normBias: Bool

        /// msModelSlim's `iter_smooth` defaults: α 0.9, scale_min 1e-5, every subgraph kind, symmetric.
        public init(process: String = "iter_smooth", alpha: Double = 0.9, scaleMin: Double = 1e-5,
                    subgraphs: Set<Subgraph> = Set(Subgraph.allCases), include: [ModulePattern] = [], exclude: [ModulePattern] = [],
                    symmetric: Bool = true, normBias: Bool = false) {
            self.process = process
            self.alpha = alpha
            self.scaleMin = scaleMin
            self.subgraphs = subgraphs
            self.include = include
            self.exclude = exclude
            self.symmetric = symmetric
            self.normBias = normBias
        }

        /// msModelSlim's `smooth_quant` process (anti-outlier m1): the same calculator with α 0.5,
        /// scale_min 1e-5, norm-linear subgraphs only, a bias on every smoothed norm.
        public static func smoothQuant(alpha: Double = 0.5, include: [ModulePattern] = [], exclude: [ModulePattern] = [],
                                       symmetric: Bool = true) -> Settings {
            Settings(process: "smooth_quant", alpha: alpha, scaleMin: 1e-5, subgraphs: [.normLinear], include: include, exclude: exclude,
                     symmetric: symmetric, normBias: true)
        }
    }

    /// One smoothing unit of a layer: the source module and the Linears reading it.
    struct Unit {
        let kind: Subgraph
        let source: ScaleMapping.Smooth
        let balance: [LinearRole]
    }

    public let settings: Settings
    public var name: String { settings.process }
    public var changesForward: Bool { true }
    /// msModelSlim runs transformers' default attention (`sdpa`).
    public var calibrationAttention: ForwardPrecision.Attention { .sdpa }
    private var ranges: [(unit: Unit, range: ChannelStatistics)] = []

    /// A modifier with `settings`.
    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// The subgraphs of a Llama-family layer that the settings select, in msModelSlim's order.
    func units(_ context: LayerContext) -> [Unit] {
        let all = [
            Unit(kind: .upDown, source: .linear(.upProj), balance: [.downProj]),
            Unit(kind: .ov, source: .linear(.vProj), balance: [.oProj]),
            Unit(kind: .normLinear, source: .norm(.inputLayerNorm), balance: [.qProj, .kProj, .vProj]),
            Unit(kind: .normLinear, source: .norm(.postAttentionLayerNorm), balance: [.gateProj, .upProj]),
        ]
        return all.filter { unit in
            guard settings.subgraphs.contains(unit.kind) else { return false }
            let path: String, classes: [String]
            switch unit.source {
            case .norm(let role):
                guard let norm = context.layout.norms.first(where: { $0.role == role }) else { return false }
                path = context.prefix + norm.name
                classes = ["RMSNorm"]
            case .linear(let role):
                path = context.path(role)
                classes = ["Linear"]
            }
            let included = settings.include.isEmpty || settings.include.contains { $0.matches(path: path, classNames: classes) }
            return included && !settings.exclude.contains { $0.matches(path: path, classNames: classes) }
        }.sorted { $0.kind.priority < $1.kind.priority }
    }

    public func needsCalibration(_ context: LayerContext) -> Bool { !units(context).isEmpty }

    public func attach(to layer: inout DecoderLayer, context: LayerContext) throws {
        ranges = []
        var observed: [LinearRole: ChannelStatistics] = [:]
        for unit in units(context) {
            guard let first = unit.balance.first else { continue }
            if let range = observed[first] {
                ranges.append((unit, range))
                continue
            }
            let shifted = !settings.symmetric && unit.kind == .normLinear
            let range = ChannelStatistics(width: context.layout.linear(first).inFeatures, shifted: shifted, dtype: context.dtype)
            observed[first] = range
            ranges.append((unit, range))
            let batch = context.batch
            layer[first].addInputObserver { x in range.add(x, segments: batch.segments) }
        }
    }

    public func apply(to layer: inout DecoderLayer, result: inout LayerQuantization, context: LayerContext) throws {
        defer { ranges = [] }
        for (unit, range) in ranges {
            guard range.rows > 0 else {
                throw AlgorithmError("\(context.prefix)…: \(settings.process) saw no calibration tokens")
            }
            try smooth(&layer, unit: unit, activation: range.channelMax, shift: range.shifted ? range.shift : nil, context: context)
        }
    }

    /// s_j = max(a_j^α / max(w_j, 1e-5)^(1−α), scale_min) in the model dtype.
    static func scales(activation: [Float], weight: [Float], alpha: Double, scaleMin: Double, dtype d: ComputeDType) -> [Float] {
        let a = Float(alpha), b = Float(1 - alpha), floor = Float(scaleMin)
        return zip(activation, weight).map { act, w in
            let wc = d.round(max(w, 1e-5))
            let s = d.round(d.round(powf(d.round(act), a)) / d.round(powf(wc, b)))
            return d.round(max(s, floor))
        }
    }

    private func smooth(_ layer: inout DecoderLayer, unit: Unit, activation: [Float], shift: [Float]?, context: LayerContext) throws {
        let d = context.dtype
        let width = activation.count
        // The weight statistic, per input channel of the balance Linears.
        var weightStat = [Float](repeating: -.infinity, count: width)
        for role in unit.balance {
            let w = layer[role].weight
            for r in 0..<w.rows {
                for c in 0..<width {
                    let v = unit.kind == .normLinear ? abs(w[r, c]) : w[r, c]
                    weightStat[c] = max(weightStat[c], v)
                }
            }
        }
        var scales = Self.scales(activation: activation, weight: weightStat, alpha: settings.alpha,
                                 scaleMin: settings.scaleMin, dtype: d)
        var sourceScales = scales
        if unit.kind == .ov {
            // Average over the query heads that share a KV head.
            let kvWidth = context.layout.linear(.vProj).outFeatures
            guard kvWidth > 0, width % kvWidth == 0 else {
                throw AlgorithmError("\(context.path(.oProj)): ov smoothing needs o_proj's input width (\(width)) to be a multiple of v_proj's output width (\(kvWidth))")
            }
            let queryHeadsPerKV = width / kvWidth
            let attentionHeadDim = layer.attention.headDim
            guard attentionHeadDim > 0, kvWidth % attentionHeadDim == 0 else {
                throw AlgorithmError("\(context.prefix)self_attn: ov smoothing needs v_proj's width (\(kvWidth)) to be whole heads of \(attentionHeadDim)")
            }
            let groupWidth = queryHeadsPerKV * attentionHeadDim
            var reduced = [Float](repeating: 0, count: kvWidth)
            for g in 0..<(kvWidth / attentionHeadDim) {
                for e in 0..<attentionHeadDim {
                    var sum: Float = 0
                    for h in 0..<queryHeadsPerKV { sum += scales[g * groupWidth + h * attentionHeadDim + e] }
                    reduced[g * attentionHeadDim + e] = d.round(sum / Float(queryHeadsPerKV))
                }
            }
            for g in 0..<(kvWidth / attentionHeadDim) {
                for h in 0..<queryHeadsPerKV {
                    for e in 0..<attentionHeadDim { scales[g * groupWidth + h * attentionHeadDim + e] = reduced[g * attentionHeadDim + e] }
                }
            }
            sourceScales = reduced
        }
        for role in unit.balance {
            var linear = layer[role]
            if let shift {
                // b ← b + W z, with W before scaling.
                let w = linear.weight
                var bias = linear.bias ?? [Float](repeating: 0, count: w.rows)
                for r in 0..<w.rows {
                    var dot: Float = 0
                    for c in 0..<width { dot += shift[c] * w[r, c] }
                    bias[r] = d.round(bias[r] + d.round(dot))
                }
                linear.bias = bias
            }
            var w = linear.weight
            for r in 0..<w.rows {
                for c in 0..<width { w[r, c] = d.round(w[r, c] * scales[c]) }
            }
            linear.weight = w
            layer[role] = linear
        }
        let reciprocal = sourceScales.map { d.round(1 / $0) }
        switch unit.source {
        case .norm(let role):
            guard var norm = layer[norm: role] else { throw AlgorithmError("\(context.prefix): no \(role.rawValue) to smooth") }
            for j in 0..<width { norm.weight[j] = d.round(norm.weight[j] * reciprocal[j]) }
            if settings.normBias || shift != nil || norm.bias != nil {
                var bias = norm.bias.map { b in (0..<width).map { d.round(b[$0] * reciprocal[$0]) } } ?? [Float](repeating: 0, count: width)
                if let shift {
                    for j in 0..<width { bias[j] = d.round(bias[j] + d.round(-shift[j] * reciprocal[j])) }
                }
                norm.bias = bias
            }
            layer[norm: role] = norm
        case .linear(let role):
            var linear = layer[role]
            var w = linear.weight
            for j in 0..<reciprocal.count {
                for c in 0..<w.cols { w[j, c] = d.round(w[j, c] * reciprocal[j]) }
            }
            linear.weight = w
            if var bias = linear.bias {
                for j in 0..<reciprocal.count { bias[j] = d.round(bias[j] * reciprocal[j]) }
                linear.bias = bias
            }
            layer[role] = linear
        }
    }
}

/// Per-channel statistics of a Linear's input over the calibration samples, as msModelSlim's
/// `IterStatsCollector` keeps them: symmetric, max |x|; shifted, the running min/max give the
/// shift z = (max + min)/2 after each sample, and max |x − z| is taken with the shift of the moment.
final class ChannelStatistics: @unchecked Sendable {
    // Updated by hooks on the pipeline's thread only.
    private(set) var low: [Float]
    private(set) var high: [Float]
    private(set) var channelMax: [Float]
    private(set) var rows = 0
    let shifted: Bool
    let dtype: ComputeDType

    init(width: Int, shifted: Bool, dtype: ComputeDType) {
        low = [Float](repeating: .infinity, count: width)
        high = [Float](repeating: -.infinity, count: width)
        channelMax = [Float](repeating: 0, count: width)
        self.shifted = shifted
        self.dtype = dtype
    }

    /// z = (max + min)/2 in the model dtype.
    var shift: [Float] { zip(high, low).map { dtype.round(dtype.round($0 + $1) / 2) } }

    /// Folds the rows of `x`, sample by sample (`segments`; all rows when empty).
    func add(_ x: Matrix, segments: [Range<Int>]) {
        let width = low.count
        for segment in segments.isEmpty ? [0..<x.rows] : segments {
            for r in segment {
                for c in 0..<width {
                    low[c] = min(low[c], x[r, c])
                    high[c] = max(high[c], x[r, c])
                }
            }
            let z = shifted ? shift : nil
            for r in segment {
                for c in 0..<width {
                    let v = z.map { dtype.round(x[r, c] - $0[c]) } ?? x[r, c]
                    channelMax[c] = max(channelMax[c], abs(v))
                }
            }
            rows += segment.count
        }
    }
}
