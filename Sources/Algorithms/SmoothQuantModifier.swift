import Foundation
import Models
import Quantization
import Tensors

/// llm-compressor's SmoothQuantModifier (Xiao et al. 2023): per-channel ranges of each mapping's
/// activations from the calibration pass give scales s_j = act_j^α / (2·max|W_j|)^(1−α); the
/// balance Linears' input columns are multiplied by s and the smooth module (norm, or a Linear's
/// output rows) divided by it, which leaves the float model's outputs unchanged while moving the
/// activations' outliers into the weights. The arithmetic follows 0.14 in the model dtype: the
/// range, the powers and the quotient are rounded to it, the floor 1e-5 is applied in fp32, and
/// W·s and norm/s are computed in fp32 and rounded to it.
public final class SmoothQuantModifier: LayerModifier {
    /// How a channel's scale is computed.
    public enum Algorithm: Sendable, Equatable {
        case smoothquant
        /// s = act / log2(2 + act).
        case logEqualization
    }

    /// Settings of the modifier.
    public struct Settings: Sendable {
        /// α, 0…1.
        public var strength: Double
        public var algorithm: Algorithm
        /// The mappings; nil = the architecture's (`LayerLayout.smoothQuantMappings`).
        public var mappings: [ScaleMapping]?
        /// Mappings whose smooth module and balance Linears all match are skipped.
        public var ignore: [ModulePattern]

        /// llm-compressor's defaults: α 0.5, the declared mappings.
        public init(strength: Double = 0.5, algorithm: Algorithm = .smoothquant, mappings: [ScaleMapping]? = nil,
                    ignore: [ModulePattern] = []) {
            self.strength = strength
            self.algorithm = algorithm
            self.mappings = mappings
            self.ignore = ignore
        }
    }

    public let settings: Settings
    public var name: String { "SmoothQuantModifier" }
    public var changesForward: Bool { true }
    public var isEquivalentTransform: Bool { true }
    private var ranges: [(mapping: ScaleMapping, range: ChannelRange)] = []

    /// A modifier with `settings`.
    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// The mappings that apply to this layer (ignored ones left out).
    func mappings(_ context: LayerContext) -> [ScaleMapping] {
        (settings.mappings ?? context.layout.smoothQuantMappings).filter { mapping in
            guard !settings.ignore.isEmpty else { return true }
            var paths = mapping.balance.map { (context.path($0), ["Linear"]) }
            switch mapping.smooth {
            case .norm(let role):
                if let norm = context.layout.norms.first(where: { $0.role == role }) { paths.append((context.prefix + norm.name, ["RMSNorm"])) }
            case .linear(let role): paths.append((context.path(role), ["Linear"]))
            }
            let ignored = paths.allSatisfy { path, classes in settings.ignore.contains { $0.matches(path: path, classNames: classes) } }
            return !ignored
        }
    }

    public func needsCalibration(_ context: LayerContext) -> Bool { !mappings(context).isEmpty }

    public func attach(to layer: inout DecoderLayer, context: LayerContext) throws {
        ranges = []
        for mapping in mappings(context) {
            guard let first = mapping.balance.first else { continue }
            let range = ChannelRange(width: context.layout.linear(first).inFeatures)
            ranges.append((mapping, range))
            layer[first].addInputObserver { x in range.add(x) }
        }
    }

    public func apply(to layer: inout DecoderLayer, result: inout LayerQuantization, context: LayerContext) throws {
        defer { ranges = [] }
        let d = context.dtype
        let alpha = Float(settings.strength), beta = Float(1 - settings.strength)
        for (mapping, range) in ranges {
            guard range.rows > 0 else {
                throw AlgorithmError("\(context.prefix)…: SmoothQuant saw no calibration tokens")
            }
            let width = range.low.count
            var weightMax = [Float](repeating: 0, count: width)
            for role in mapping.balance {
                let w = layer[role].weight
                for r in 0..<w.rows {
                    for c in 0..<width { weightMax[c] = max(weightMax[c], abs(w[r, c])) }
                }
            }
            var scales = [Float](repeating: 0, count: width)
            for j in 0..<width {
                let act = d.round(range.high[j] - range.low[j])
                let weight = d.round(2 * weightMax[j])
                var s: Float
                switch settings.algorithm {
                case .smoothquant:
                    s = d.round(d.round(powf(act, alpha)) / d.round(powf(weight, beta)))
                    if !(weight > 0) { s = act }
                case .logEqualization:
                    s = d.round(act / d.round(log2f(d.round(2 + act))))
                }
                scales[j] = max(s, 1e-5)
            }
            for role in mapping.balance {
                var w = layer[role].weight
                for r in 0..<w.rows {
                    for c in 0..<width { w[r, c] = d.round(w[r, c] * scales[c]) }
                }
                layer[role].weight = w
            }
            switch mapping.smooth {
            case .norm(let role):
                guard var norm = layer[norm: role] else { throw AlgorithmError("\(context.prefix): no \(role.rawValue) to smooth") }
                for j in 0..<width { norm.weight[j] = d.round(norm.weight[j] / scales[j]) }
                layer[norm: role] = norm
            case .linear(let role):
                var linear = layer[role]
                var w = linear.weight
                for j in 0..<width {
                    for c in 0..<w.cols { w[j, c] = d.round(w[j, c] / scales[j]) }
                }
                linear.weight = w
                if var bias = linear.bias {
                    for j in 0..<width { bias[j] = d.round(bias[j] / scales[j]) }
                    linear.bias = bias
                }
                layer[role] = linear
            }
        }
    }
}

/// Per-channel minimum and maximum of activation rows over a calibration pass.
final class ChannelRange: @unchecked Sendable {
    // Updated by hooks on the pipeline's thread only.
    private(set) var low: [Float]
    private(set) var high: [Float]
    private(set) var rows = 0

    init(width: Int) {
        low = [Float](repeating: .infinity, count: width)
        high = [Float](repeating: -.infinity, count: width)
    }

    func add(_ x: Matrix) {
        let width = low.count
        x.data.withUnsafeBufferPointer { xp in
            low.withUnsafeMutableBufferPointer { lp in
                high.withUnsafeMutableBufferPointer { hp in
                    for r in 0..<x.rows {
                        let row = xp.baseAddress! + r * width
                        for c in 0..<width {
                            lp[c] = min(lp[c], row[c])
                            hp[c] = max(hp[c], row[c])
                        }
                    }
                }
            }
        }
        rows += x.rows
    }
}
