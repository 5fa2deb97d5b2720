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
/// The smoothing leaves the float outputs unchanged up to rounding. Only the symmetric form is
/// implemented (msModelSlim's `symmetric: false` adds a shift folded into a norm bias).
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

        /// msModelSlim's `iter_smooth` defaults: α 0.9, scale_min 1e-5, every subgraph kind.
        public init(process: String = "iter_smooth", alpha: Double = 0.9, scaleMin: Double = 1e-5,
                    subgraphs: Set<Subgraph> = Set(Subgraph.allCases), include: [ModulePattern] = [], exclude: [ModulePattern] = []) {
            self.process = process
            self.alpha = alpha
            self.scaleMin = scaleMin
            self.subgraphs = subgraphs
            self.include = include
            self.exclude = exclude
        }

        /// msModelSlim's `smooth_quant` process (anti-outlier m1): the same calculator with α 0.5,
        /// scale_min 1e-5, norm-linear subgraphs only.
        public static func smoothQuant(alpha: Double = 0.5, include: [ModulePattern] = [], exclude: [ModulePattern] = []) -> Settings {
            Settings(process: "smooth_quant", alpha: alpha, scaleMin: 1e-5, subgraphs: [.normLinear], include: include, exclude: exclude)
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
    private var ranges: [(unit: Unit, range: ChannelRange)] = []

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
        var observed: [LinearRole: ChannelRange] = [:]
        for unit in units(context) {
            guard let first = unit.balance.first else { continue }
            if let range = observed[first] {
                ranges.append((unit, range))
                continue
            }
            let range = ChannelRange(width: context.layout.linear(first).inFeatures)
            observed[first] = range
            ranges.append((unit, range))
            layer[first].addInputObserver { x in range.add(x) }
        }
    }

    public func apply(to layer: inout DecoderLayer, result: inout LayerQuantization, context: LayerContext) throws {
        defer { ranges = [] }
        for (unit, range) in ranges {
            guard range.rows > 0 else {
                throw AlgorithmError("\(context.prefix)…: \(settings.process) saw no calibration tokens")
            }
            let absMax = zip(range.low, range.high).map { max(-$0, $1) }
            try smooth(&layer, unit: unit, activation: absMax, context: context)
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

    private func smooth(_ layer: inout DecoderLayer, unit: Unit, activation: [Float], context: LayerContext) throws {
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
            var w = layer[role].weight
            for r in 0..<w.rows {
                for c in 0..<width { w[r, c] = d.round(w[r, c] * scales[c]) }
            }
            layer[role].weight = w
        }
        let reciprocal = sourceScales.map { d.round(1 / $0) }
        switch unit.source {
        case .norm(let role):
            guard var norm = layer[norm: role] else { throw AlgorithmError("\(context.prefix): no \(role.rawValue) to smooth") }
            for j in 0..<width { norm.weight[j] = d.round(norm.weight[j] * reciprocal[j]) }
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
