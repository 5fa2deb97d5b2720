import Foundation
import Models
import Quantization
import Tensors

/// KV-cache quantization: observes every selected attention module's key states (after RoPE) and
/// value states during the calibration pass, and records their scales (`LayerQuantization.kvCache`).
///
/// - `.compressedTensors` (llm-compressor 0.14's `kv_cache_scheme`): one range per tensor; each
///   calibration sample is one observer update over its whole (kv_heads × L × head_dim) keys or
///   values, with the scheme's observer (`minmax`: the 0.01 moving average) — the scales of
///   `self_attn.k_scale` / `v_scale` (formats.md §1.5).
/// - `.modelSlim` (msModelSlim 26.1.0's `dynamic_cache`): one int8 symmetric range per channel
///   (kv_head·head_dim + d); the observer restarts on every call, so only the last calibration
///   sample determines the scales (formats.md §2.7).
///
/// The cache is not fake-quantized during calibration (neither tool does); evaluation simulates it.
public final class KVCacheModifier: LayerModifier {
    /// What to quantize and whose convention to follow.
    public struct Settings: Sendable {
        public let args: QuantizationArgs
        public let convention: QuantizedKVCache.Convention
        /// Whether an attention module (by path, e.g. `model.layers.0.self_attn`) is quantized.
        public let selects: @Sendable (String) -> Bool

        /// Creates settings; `selects` defaults to every attention module.
        public init(args: QuantizationArgs, convention: QuantizedKVCache.Convention,
                    selects: @escaping @Sendable (String) -> Bool = { _ in true }) {
            self.args = args
            self.convention = convention
            self.selects = selects
        }
    }

    public let settings: Settings
    private let statistics: KVStatistics

    public var name: String { settings.convention == .modelSlim ? "dynamic_cache" : "kv_cache_scheme" }
    public var changesForward: Bool { false }
    public var calibrationAttention: ForwardPrecision.Attention { settings.convention == .modelSlim ? .sdpa : .eager }

    /// Checks that the convention can express `args`.
    public init(settings: Settings) throws {
        let a = settings.args
        guard a.symmetric else {
            throw AlgorithmError("KV-cache quantization: asymmetric key/value scales are not supported yet (symmetric: true)")
        }
        guard !a.dynamic.isDynamic else {
            throw AlgorithmError("KV-cache quantization: dynamic key/value scales are not supported yet (dynamic: false)")
        }
        switch settings.convention {
        case .compressedTensors:
            guard a.resolvedStrategy == .tensor, a.numBits == 8 else {
                throw AlgorithmError("kv_cache_scheme: only 8-bit per-tensor key/value scales are supported yet (got \(a.numBits)-bit \(a.resolvedStrategy.rawValue))")
            }
        case .modelSlim:
            guard a.type == .int, a.numBits == 8, a.resolvedStrategy == .channel else {
                throw AlgorithmError("dynamic_cache: msModelSlim quantizes the KV cache as int8 per_channel only (got \(a.type.rawValue)\(a.numBits) \(a.resolvedStrategy.rawValue))")
            }
        }
        self.settings = settings
        self.statistics = KVStatistics(settings: settings)
    }

    public func needsCalibration(_ context: LayerContext) -> Bool {
        settings.selects(context.prefix + Self.attentionName(context))
    }

    public func attach(to layer: inout DecoderLayer, context: LayerContext) throws {
        try statistics.reset(dtype: context.dtype)
        let batch = context.batch, statistics = self.statistics
        layer.attention.kvObserver = KVObserver { keys, values, _ in
            statistics.observe(keys: keys, values: values, segments: batch.segments)
        }
    }

    public func apply(to layer: inout DecoderLayer, result: inout LayerQuantization, context: LayerContext) throws {
        layer.attention.kvObserver = nil
        let path = layer.attention.path
        guard settings.selects(path) else { return }
        guard let (keys, values) = statistics.scales(dtype: context.dtype) else {
            throw AlgorithmError("\(path): the KV cache was never calibrated (no calibration data reached this layer)")
        }
        result.kvCache = QuantizedKVCache(attentionPath: path, keyProjectionPath: context.path(.kProj),
                                          valueProjectionPath: context.path(.vProj), args: settings.args,
                                          convention: settings.convention, keyScales: keys, valueScales: values,
                                          dtype: context.dtype)
    }

    /// The attention module's name inside a layer (`self_attn`), from the layout's q_proj name.
    static func attentionName(_ context: LayerContext) -> String {
        let name = context.layout.linear(.qProj).name
        guard let dot = name.lastIndex(of: ".") else { return name }
        return String(name[..<dot])
    }
}

/// The running key/value statistics of one layer (updated from the attention hook on the
/// pipeline's thread).
final class KVStatistics: @unchecked Sendable {
    private let settings: KVCacheModifier.Settings
    private let lock = NSLock()
    private var keyObserver: ActivationObserver?
    private var valueObserver: ActivationObserver?
    /// Per-channel (min, max) of the last sample (msModelSlim).
    private var keyChannels: (min: [Float], max: [Float])?
    private var valueChannels: (min: [Float], max: [Float])?

    init(settings: KVCacheModifier.Settings) {
        self.settings = settings
    }

    func reset(dtype: ComputeDType) throws {
        lock.lock(); defer { lock.unlock() }
        keyChannels = nil
        valueChannels = nil
        if settings.convention == .compressedTensors {
            keyObserver = try ActivationObserver(name: settings.args.observer, dtype: dtype)
            valueObserver = keyObserver
        }
    }

    func observe(keys: Matrix, values: Matrix, segments: [Range<Int>]) {
        let parts = segments.isEmpty ? [0..<keys.rows] : segments
        lock.lock(); defer { lock.unlock() }
        switch settings.convention {
        case .compressedTensors:
            for segment in parts {
                let (kLo, kHi) = Self.extremes(keys, rows: segment)
                keyObserver?.update(batchMin: kLo, batchMax: kHi)
                let (vLo, vHi) = Self.extremes(values, rows: segment)
                valueObserver?.update(batchMin: vLo, batchMax: vHi)
            }
        case .modelSlim:
            // The observer restarts on every call: the last sample of the pass is what remains.
            guard let last = parts.last(where: { !$0.isEmpty }) else { return }
            keyChannels = Self.channelExtremes(keys, rows: last)
            valueChannels = Self.channelExtremes(values, rows: last)
        }
    }

    func scales(dtype: ComputeDType) -> (keys: [Float], values: [Float])? {
        lock.lock(); defer { lock.unlock() }
        switch settings.convention {
        case .compressedTensors:
            guard let k = keyObserver?.qparams(args: settings.args), let v = valueObserver?.qparams(args: settings.args) else { return nil }
            return ([k.scale], [v.scale])
        case .modelSlim:
            guard let keyChannels, let valueChannels else { return nil }
            func scales(_ c: (min: [Float], max: [Float])) -> [Float] {
                zip(c.min, c.max).map {
                    ModelSlimArithmetic.qparams(min: $0.0, max: $0.1, bits: settings.args.numBits, symmetric: true, dtype: dtype).scale
                }
            }
            return (scales(keyChannels), scales(valueChannels))
        }
    }

    static func extremes(_ x: Matrix, rows: Range<Int>) -> (Float, Float) {
        var lo = Float.infinity, hi = -Float.infinity
        x.data.withUnsafeBufferPointer { xp in
            for v in UnsafeBufferPointer(rebasing: xp[(rows.lowerBound * x.cols)..<(rows.upperBound * x.cols)]) {
                lo = min(lo, v)
                hi = max(hi, v)
            }
        }
        return (lo, hi)
    }

    static func channelExtremes(_ x: Matrix, rows: Range<Int>) -> (min: [Float], max: [Float]) {
        var lo = [Float](repeating: .infinity, count: x.cols), hi = [Float](repeating: -.infinity, count: x.cols)
        for r in rows {
            for c in 0..<x.cols {
                let v = x[r, c]
                lo[c] = min(lo[c], v)
                hi[c] = max(hi[c], v)
            }
        }
        return (lo, hi)
    }
}
