import Foundation
import Models
import Quantization
import Tensors

/// llm-compressor 0.14's AWQModifier (Lin et al. 2023), plus AutoAWQ's optional weight-clipping
/// search. For each mapping (smooth module → balance Linears) the calibration pass records the
/// mean |x| of every input channel of the balance Linears; a grid of exponents r gives scales
/// s = x̄^r (or, with duo scaling, x̄^r / w̄^(1−r)), normalized by √(max·min); each candidate
/// fake-quantizes W·s with a memoryless min/max observer, divides by s again, and is scored by
/// the mean squared change of the parent module's output (attention block, MLP, or the Linear
/// itself). The best scales are folded in: balance W ← W·s, the smooth norm or Linear ← ·/s.
///
/// Arithmetic follows 0.14: the scales of duo scaling are fp64 (w̄ is a float64 mean), the others
/// fp32; candidate weights are rounded to the model dtype at the same points; the parent's outputs
/// are computed in the model's arithmetic (the calibration forward's precision: bf16 for a bf16
/// checkpoint) and each sample's squared error is rounded to it, as the peer's per-batch
/// `mse_loss(reduction="sum")`. Rows of every sample are used, as the peer does. One deviation:
/// the loss of a single-Linear parent (up_proj → down_proj) is computed in fp32 from the input
/// Gram matrix (‖X Δᵀ‖² = Σ_r δ_r (XᵀX) δ_rᵀ), the same quantity without rerunning the Linear.
///
/// The clipping search (not in llm-compressor): after the layer's mappings, for every quantized
/// Linear except q/k (whose errors pass through the softmax) and every quantization group, the
/// range is shrunk to amax·(1 − i/grid) for i < maxShrink·grid and the shrink with the smallest
/// output error ‖X_g δ_gᵀ‖² (from the Gram of the scaled input) clamps the weight, as AutoAWQ's
/// `auto_clip` does with a token subsample; here every calibration token counts.
public final class AWQModifier: LayerModifier {
    /// llm-compressor's `duo_scaling`.
    public typealias DuoScaling = AWQDuoScaling

    /// The clipping search's settings (AutoAWQ's `auto_clip` defaults).
    public struct Clip: Sendable, Equatable {
        /// Grid points over the shrink range 0…1.
        public var grid: Int
        /// Largest fraction of the range removed.
        public var maxShrink: Double

        /// AutoAWQ's defaults: 20 points, at most half the range.
        public init(grid: Int = 20, maxShrink: Double = 0.5) {
            self.grid = grid
            self.maxShrink = maxShrink
        }
    }

    /// Settings of the modifier.
    public struct Settings: Sendable {
        /// The mappings; nil = the architecture's (`LayerLayout.awqMappings`, shape-filtered).
        public var mappings: [ScaleMapping]?
        public var duoScaling: DuoScaling
        /// Grid points of the scale search (`n_grid`).
        public var gridSize: Int
        /// The clipping search; nil = off (llm-compressor).
        public var clip: Clip?

        /// llm-compressor's defaults: declared mappings, duo scaling, 20 grid points, no clipping.
        public init(mappings: [ScaleMapping]? = nil, duoScaling: DuoScaling = .on, gridSize: Int = 20, clip: Clip? = nil) {
            self.mappings = mappings
            self.duoScaling = duoScaling
            self.gridSize = gridSize
            self.clip = clip
        }
    }

    public let settings: Settings
    public var name: String { "AWQModifier" }
    public var changesForward: Bool { true }
    public var isEquivalentTransform: Bool { true }
    private var caches: [(mapping: ScaleMapping, cache: AWQActivationCache)] = []
    private var grams: [Int: HessianAccumulator] = [:]

    /// A modifier with `settings`.
    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// The grid of (ratio, duo) candidates, in llm-compressor's order.
    public var grid: [(ratio: Double, duo: Bool)] {
        let n = settings.gridSize
        switch settings.duoScaling {
        case .on:
            return [(0, false)] + (0..<max(0, n - 1)).map { (n > 2 ? Double($0) / Double(n - 2) : 0, true) }
        case .off:
            return (0..<n).map { (n > 1 ? Double($0) / Double(n - 1) : 0, false) }
        case .both:
            let half = n / 2
            return (0..<half).flatMap { k -> [(ratio: Double, duo: Bool)] in
                let r = half > 1 ? Double(k) / Double(half - 1) : 0
                return [(r, false), (r, true)]
            }
        }
    }

    func mappings(_ context: LayerContext) -> [ScaleMapping] {
        settings.mappings ?? context.layout.awqMappings
    }

    /// The Linears the clipping search acts on: quantized ones whose error does not pass a softmax.
    func clipRoles(_ context: LayerContext) -> [LinearRole] {
        guard settings.clip != nil else { return [] }
        return context.layout.linears.map(\.role).filter { role in
            role != .qProj && role != .kProj && context.assignments[role]?.scheme.weights != nil
        }
    }

    private func schemed(_ mapping: ScaleMapping, _ context: LayerContext) -> [LinearRole] {
        mapping.balance.filter { context.assignments[$0]?.scheme.weights != nil }
    }

    public func needsCalibration(_ context: LayerContext) -> Bool {
        mappings(context).contains { !schemed($0, context).isEmpty } || !clipRoles(context).isEmpty
    }

    public func attach(to layer: inout DecoderLayer, context: LayerContext) throws {
        caches = []
        grams = [:]
        let batch = context.batch
        for mapping in mappings(context) {
            guard let first = mapping.balance.first, !schemed(mapping, context).isEmpty else {
                if context.index == 0 {
                    context.report("AWQ: skipping the mapping onto \(mapping.balance.map { context.layout.linear($0).name }.joined(separator: ", ")): no layer is targeted for quantization")
                }
                continue
            }
            if settings.duoScaling != .off, let role = mapping.balance.first(where: { context.assignments[$0]?.scheme.weights?.resolvedStrategy == .tensor }) {
                throw AlgorithmError("\(context.path(role)): AWQ duo_scaling needs per-channel weights (group or channel), but the scheme is per tensor: set duo_scaling: false or use a channel/group strategy")
            }
            let cache = AWQActivationCache(width: context.layout.linear(first).inFeatures, keepInputs: mapping.parent != .balance)
            caches.append((mapping, cache))
            layer[first].addInputObserver { x in cache.add(x, segments: batch.segments) }
        }
        // Gram matrices of the inputs a single-Linear loss or the clipping search needs.
        var needGram = Set(caches.filter { $0.mapping.parent == .balance }.flatMap(\.mapping.balance))
        needGram.formUnion(clipRoles(context))
        for (index, group) in context.layout.inputGroups.enumerated() where group.contains(where: needGram.contains) {
            guard let first = group.first else { continue }
            let accumulator = HessianAccumulator(width: context.layout.linear(first).inFeatures)
            grams[index] = accumulator
            layer[first].addInputObserver { x in accumulator.add(x, samples: batch.segments.count) }
        }
    }

    /// The mappings whose statistics the last calibration pass recorded (for tests).
    var cachedMappings: [ScaleMapping] { caches.map(\.mapping) }
    var cachedMappingsWithCaches: [(ScaleMapping, AWQActivationCache)] { caches.map { ($0.mapping, $0.cache) } }
    func gramSum(for role: LinearRole, _ context: LayerContext) -> [Float]? { gram(for: role, context)?.sum }

    private func gram(for role: LinearRole, _ context: LayerContext) -> HessianAccumulator? {
        guard let index = context.layout.inputGroups.firstIndex(where: { $0.contains(role) }) else { return nil }
        return grams[index]
    }

    public func apply(to layer: inout DecoderLayer, result: inout LayerQuantization, context: LayerContext) throws {
        defer {
            caches = []
            grams = [:]
        }
        // The scales applied to each Linear's input columns, for the clipping search's Gram.
        var inputScales: [LinearRole: [Double]] = [:]
        for (mapping, cache) in caches {
            guard cache.count > 0 else {
                throw AlgorithmError("\(context.prefix)…: AWQ saw no calibration tokens")
            }
            let scales = try searchScales(mapping, cache: cache, layer: layer, context: context)
            fold(scales, mapping: mapping, into: &layer, context: context)
            for role in mapping.balance {
                let previous = inputScales[role] ?? [Double](repeating: 1, count: scales.count)
                inputScales[role] = zip(previous, scales).map { $0 * $1 }
            }
        }
        if let clip = settings.clip {
            for role in clipRoles(context) {
                guard let gram = gram(for: role, context), gram.samples > 0 else {
                    throw AlgorithmError("\(context.path(role)): the AWQ clipping search saw no calibration samples")
                }
                try clipWeight(role, gram: gram.sum, inputScales: inputScales[role], clip: clip, layer: &layer, context: context)
            }
        }
    }

    // MARK: - Scale search

    /// Diagnostics: SWIFTQUANT_AWQ_TRACE prints every grid point's loss to stderr.
    static let trace = ProcessInfo.processInfo.environment["SWIFTQUANT_AWQ_TRACE"] != nil

    /// The best scales of one mapping over the grid.
    func searchScales(_ mapping: ScaleMapping, cache: AWQActivationCache, layer: DecoderLayer, context: LayerContext) throws -> [Double] {
        let d = context.dtype
        let count = Float(cache.count)
        let xMean = cache.sum.map { $0 / count }
        let targets = schemed(mapping, context)
        let original = Dictionary(uniqueKeysWithValues: mapping.balance.map { ($0, layer[$0].weight) })
        let wMean = settings.duoScaling == .off ? nil : Self.layerMeans(targets.compactMap { role in original[role].map { ($0, context.assignments[role]?.scheme.weights) } }, width: xMean.count, dtype: d)
        let loss = try LossFunction(mapping: mapping, cache: cache, layer: layer, gram: mapping.balance.first.flatMap { gram(for: $0, context)?.sum },
                                    context: context)
        var best: (loss: Double, scales: [Double])?
        for (ratio, duo) in grid {
            let scales = Self.scales(xMean: xMean, wMean: duo ? wMean : nil, ratio: ratio)
            var candidate = layer
            for role in targets {
                guard let w0 = original[role], let args = context.assignments[role]?.scheme.weights else { continue }
                candidate[role].weight = try Self.fakeQuantized(w0, scales: scales, args: args, dtype: d)
            }
            let value = loss.evaluate(candidate, changed: targets)
            if Self.trace {
                FileHandle.standardError.write(Data("AWQ \(context.prefix)\(mapping.smooth) ratio \(ratio) duo \(duo) loss \(value)\n".utf8))
            }
            if value.isFinite, value < (best?.loss ?? .infinity) { best = (value, scales) }
        }
        guard let best else {
            throw AlgorithmError("\(context.prefix)…: AWQ found no finite loss in the grid search of the mapping onto \(mapping.balance.map { context.layout.linear($0).name }.joined(separator: ", ")) (NaN or inf in the parent's outputs)")
        }
        return best.scales
    }

    /// One candidate's scales: x̄^r (fp32) or x̄^r / (w̄^(1−r) + 1e-4) (fp64), floored at 1e-4, then
    /// divided by √(max·min); inf and NaN become 1.
    static func scales(xMean: [Float], wMean: [Double]?, ratio: Double) -> [Double] {
        if let wMean {
            var s = zip(xMean, wMean).map { x, w in max(Double(powf(x, Float(ratio))) / (pow(w, 1 - ratio) + 1e-4), 1e-4) }
            let norm = ((s.max() ?? 1) * (s.min() ?? 1)).squareRoot()
            for i in s.indices {
                s[i] /= norm
                if !s[i].isFinite { s[i] = 1 }
            }
            return s
        }
        var s = xMean.map { max(powf($0, Float(ratio)), 1e-4) }
        let norm = ((s.max() ?? 1) * (s.min() ?? 1)).squareRoot()
        for i in s.indices {
            s[i] /= norm
            if !s[i].isFinite { s[i] = 1 }
        }
        return s.map(Double.init)
    }

    /// Q(W·s)/s with a memoryless min/max observer, each step rounded to the model dtype.
    static func fakeQuantized(_ w0: Matrix, scales: [Double], args: QuantizationArgs, dtype d: ComputeDType) throws -> Matrix {
        var scaled = w0
        let cols = w0.cols
        scaled.data.withUnsafeMutableBufferPointer { p in
            for r in 0..<w0.rows {
                for c in 0..<cols { p[r * cols + c] = d.round(Float(Double(p[r * cols + c]) * scales[c])) }
            }
        }
        var observed = args
        observed.observer = ObserverName.memorylessMinmax.rawValue
        observed.observerKwargs = [:]
        var q = try WeightQuantizer.quantize(scaled, args: observed, dtype: d).dequantized()
        q.data.withUnsafeMutableBufferPointer { p in
            for r in 0..<w0.rows {
                for c in 0..<cols { p[r * cols + c] = d.round(Float(Double(p[r * cols + c]) / scales[c])) }
            }
        }
        return q
    }

    /// llm-compressor's `_compute_layer_means`: |w| normalized by its quantization chunk's max
    /// (+1e-6), in the model dtype, averaged per input column over every row of every layer (fp64).
    static func layerMeans(_ layers: [(Matrix, QuantizationArgs?)], width: Int, dtype d: ComputeDType) -> [Double] {
        var sum = [Double](repeating: 0, count: width)
        var rows = 0
        for (w, args) in layers {
            guard let args, w.cols == width else { continue }
            let chunk: Int
            switch args.resolvedStrategy {
            case .tensor: chunk = w.count
            case .group: chunk = args.groupSize ?? w.cols
            default: chunk = w.cols
            }
            w.data.withUnsafeBufferPointer { p in
                var start = 0
                while start < w.count {
                    let end = min(w.count, start + max(1, chunk))
                    var amax: Float = 0
                    for i in start..<end { amax = max(amax, abs(p[i])) }
                    let denominator = d.round(amax + 1e-6)
                    for i in start..<end { sum[i % width] += Double(d.round(abs(p[i]) / denominator)) }
                    start = end
                }
            }
            rows += w.rows
        }
        return sum.map { rows > 0 ? $0 / Double(rows) : 0 }
    }

    /// Folds the chosen scales in: balance W ← W·s; the smooth norm ← γ/s, or the smooth Linear's
    /// last len(s) output rows and bias ← ·/s (llm-compressor's `_smooth`).
    func fold(_ scales: [Double], mapping: ScaleMapping, into layer: inout DecoderLayer, context: LayerContext) {
        let d = context.dtype
        for role in mapping.balance {
            var w = layer[role].weight
            let cols = w.cols
            w.data.withUnsafeMutableBufferPointer { p in
                for r in 0..<w.rows {
                    for c in 0..<cols { p[r * cols + c] = d.round(Float(Double(p[r * cols + c]) * scales[c])) }
                }
            }
            layer[role].weight = w
        }
        switch mapping.smooth {
        case .norm(let role):
            guard var norm = layer[norm: role] else { return }
            for j in scales.indices { norm.weight[j] = d.round(Float(Double(norm.weight[j]) / scales[j])) }
            layer[norm: role] = norm
        case .linear(let role):
            var linear = layer[role]
            var w = linear.weight
            let offset = w.rows - scales.count
            for j in scales.indices {
                for c in 0..<w.cols { w[offset + j, c] = d.round(Float(Double(w[offset + j, c]) / scales[j])) }
            }
            linear.weight = w
            if var bias = linear.bias {
                for j in scales.indices { bias[offset + j] = d.round(Float(Double(bias[offset + j]) / scales[j])) }
                linear.bias = bias
            }
            layer[role] = linear
        }
    }

    // MARK: - Clipping search

    /// Clamps each quantization group of `role` to the shrunk range with the smallest output error.
    func clipWeight(_ role: LinearRole, gram: [Float], inputScales: [Double]?, clip: Clip, layer: inout DecoderLayer,
                    context: LayerContext) throws {
        guard let args = context.assignments[role]?.scheme.weights else { return }
        let d = context.dtype
        let w = layer[role].weight
        let rows = w.rows, cols = w.cols
        let groupWidth: Int
        switch args.resolvedStrategy {
        case .channel: groupWidth = cols
        case .group: groupWidth = args.groupSize ?? cols
        default:
            throw AlgorithmError("\(context.path(role)): the AWQ clipping search needs channel or group weights (the scheme is \(args.resolvedStrategy.rawValue))")
        }
        guard groupWidth > 0, cols % groupWidth == 0 else { return }
        let groups = cols / groupWidth
        // The Gram of the input as the scaled layer sees it: D H D with D = diag(1/s).
        var h = gram
        if let s = inputScales {
            for i in 0..<cols {
                for j in 0..<cols { h[i * cols + j] = Float(Double(h[i * cols + j]) / (s[i] * s[j])) }
            }
        }
        var amax = [Float](repeating: 0, count: rows * groups)
        for r in 0..<rows {
            for g in 0..<groups {
                var m: Float = 0
                for c in (g * groupWidth)..<((g + 1) * groupWidth) { m = max(m, abs(w[r, c])) }
                amax[r * groups + g] = m
            }
        }
        var bestError = [Double](repeating: .infinity, count: rows * groups)
        var bestLimit = amax
        var observed = args
        observed.observer = ObserverName.memorylessMinmax.rawValue
        observed.observerKwargs = [:]
        let steps = max(1, Int(clip.maxShrink * Double(clip.grid)))
        var delta = Matrix(rows: rows, cols: cols)
        var product = Matrix(rows: rows, cols: groupWidth)
        for step in 0..<steps {
            let factor = 1 - Float(step) / Float(clip.grid)
            var limits = amax
            for i in limits.indices { limits[i] = d.round(amax[i] * factor) }
            let clamped = Self.clamped(w, limits: limits, groupWidth: groupWidth)
            let q = try WeightQuantizer.quantize(clamped, args: observed, dtype: d).dequantized()
            for i in 0..<(rows * cols) { delta.data[i] = w.data[i] - q.data[i] }
            for g in 0..<groups {
                delta.data.withUnsafeBufferPointer { dp in
                    h.withUnsafeBufferPointer { hp in
                        product.data.withUnsafeMutableBufferPointer { pp in
                            let offset = g * groupWidth
                            BLAS.gemmAB(m: rows, n: groupWidth, k: groupWidth, a: dp.baseAddress! + offset, lda: cols,
                                        b: hp.baseAddress! + offset * cols + offset, ldb: cols, c: pp.baseAddress!, ldc: groupWidth)
                        }
                    }
                }
                for r in 0..<rows {
                    var e = 0.0
                    for c in 0..<groupWidth { e += Double(product.data[r * groupWidth + c]) * Double(delta.data[r * cols + g * groupWidth + c]) }
                    let i = r * groups + g
                    if e < bestError[i] {
                        bestError[i] = e
                        bestLimit[i] = limits[i]
                    }
                }
            }
        }
        layer[role].weight = Self.clamped(w, limits: bestLimit, groupWidth: groupWidth)
    }

    /// `w` with every value of quantization group (row r, group g) clamped to ±limits[r·groups + g].
    static func clamped(_ w: Matrix, limits: [Float], groupWidth: Int) -> Matrix {
        var out = w
        let groups = w.cols / groupWidth
        out.data.withUnsafeMutableBufferPointer { p in
            for r in 0..<w.rows {
                for g in 0..<groups {
                    let limit = limits[r * groups + g]
                    let start = r * w.cols + g * groupWidth
                    for i in start..<(start + groupWidth) { p[i] = min(max(p[i], -limit), limit) }
                }
            }
        }
        return out
    }
}

/// The loss of a candidate: the mean squared change of the parent module's output over every
/// calibration token, against the output of the layer as it was before the search.
struct LossFunction {
    let mapping: ScaleMapping
    let cache: AWQActivationCache
    let rope: RotaryEmbedding?
    let precision: ForwardPrecision
    let dtype: ComputeDType
    /// Reference outputs per cached batch (attention / MLP parents).
    let reference: [Matrix]
    /// The input Gram and the current weight (single-Linear parents).
    let gram: [Float]?
    let weight: Matrix?

    init(mapping: ScaleMapping, cache: AWQActivationCache, layer: DecoderLayer, gram: [Float]?, context: LayerContext) throws {
        self.mapping = mapping
        self.cache = cache
        self.rope = context.rope
        precision = context.precision
        dtype = context.dtype
        guard let role = mapping.balance.first else { throw AlgorithmError("AWQ: a mapping without balance layers") }
        switch mapping.parent {
        case .attention, .mlp:
            var prepared = layer
            if context.precision.isBFloat16 { prepared.prepareForBFloat16() }
            reference = try cache.inputs.map { batch in
                guard let y = prepared.forward(parent: mapping.parent, linear: role, input: batch.x, segments: batch.segments, rope: context.rope,
                                            precision: context.precision) else {
                    throw AlgorithmError("\(context.prefix)self_attn: AWQ needs the model's rotary embedding to rerun the attention block")
                }
                return y
            }
            self.gram = nil
            weight = nil
        case .balance:
            guard let gram else { throw AlgorithmError("\(context.path(role)): AWQ has no input statistics for this Linear") }
            reference = []
            self.gram = gram
            weight = layer[role].weight
        }
    }

    /// Σ (y − y')² / numel over every cached token.
    func evaluate(_ candidate: DecoderLayer, changed: [LinearRole]) -> Double {
        guard let role = mapping.balance.first else { return .nan }
        if let gram, let weight {
            // ‖X(W − W')ᵀ‖² = Σ_r δ_r (XᵀX) δ_rᵀ, over tokens × out elements.
            let w1 = candidate[role].weight
            var delta = weight
            for i in 0..<delta.count { delta.data[i] -= w1.data[i] }
            var product = Matrix(rows: delta.rows, cols: delta.cols)
            delta.data.withUnsafeBufferPointer { dp in
                gram.withUnsafeBufferPointer { hp in
                    product.data.withUnsafeMutableBufferPointer { pp in
                        BLAS.gemmAB(m: delta.rows, n: delta.cols, k: delta.cols, a: dp.baseAddress!, lda: delta.cols,
                                    b: hp.baseAddress!, ldb: delta.cols, c: pp.baseAddress!, ldc: delta.cols)
                    }
                }
            }
            var sum = 0.0
            for i in 0..<delta.count { sum += Double(product.data[i]) * Double(delta.data[i]) }
            return sum / (Double(cache.count) * Double(delta.rows))
        }
        var layer = candidate
        if precision.isBFloat16 {
            for role in changed { layer[role].prepareForBFloat16() }
        }
        var total: Float = 0
        var elements = 0
        for (batch, y0) in zip(cache.inputs, reference) {
            guard let y1 = layer.forward(parent: mapping.parent, linear: role, input: batch.x, segments: batch.segments, rope: rope,
                                         precision: precision) else { return .nan }
            // Per-sample sums rounded to the model dtype, as the peer's per-batch
            // mse_loss(reduction="sum") with batch size 1, added in fp32.
            for segment in batch.segments {
                var s = 0.0
                for i in (segment.lowerBound * y0.cols)..<(segment.upperBound * y0.cols) {
                    let e = Double(y0.data[i] - y1.data[i])
                    s += e * e
                }
                total += dtype.round(Float(s))
            }
            elements += y0.count
        }
        return elements > 0 ? Double(total / Float(elements)) : .nan
    }
}

/// What AWQ keeps of one mapping's calibration pass: Σ|x| per input channel (each sample summed
/// in torch's order and added in fp32, as the peer's per-batch sums), the token count, and for
/// block parents the inputs themselves, to rerun the block on candidates.
final class AWQActivationCache: @unchecked Sendable {
    // Written only by hooks on the pipeline's thread.
    private(set) var sum: [Float]
    private(set) var count = 0
    private(set) var inputs: [(x: Matrix, segments: [Range<Int>])] = []
    let keepInputs: Bool

    init(width: Int, keepInputs: Bool) {
        sum = [Float](repeating: 0, count: width)
        self.keepInputs = keepInputs
    }

    func add(_ x: Matrix, segments: [Range<Int>]) {
        let width = sum.count
        let parts = segments.isEmpty ? [0..<x.rows] : segments
        var column = [Float](repeating: 0, count: width)
        var magnitudes = [Float](repeating: 0, count: 0)
        x.data.withUnsafeBufferPointer { p in
            for segment in parts {
                magnitudes.removeAll(keepingCapacity: true)
                magnitudes.append(contentsOf: p[(segment.lowerBound * width)..<(segment.upperBound * width)].lazy.map(abs))
                magnitudes.withUnsafeBufferPointer { mp in
                    column.withUnsafeMutableBufferPointer { cp in
                        TorchColumnSum.sum(mp.baseAddress!, rows: segment.count, width: width, into: cp.baseAddress!)
                    }
                }
                for c in 0..<width { sum[c] += column[c] }
            }
        }
        count += x.rows
        if keepInputs { inputs.append((x, parts)) }
    }
}
