import Tensors

/// One attention module's quantized KV cache: the scales of its key states (after RoPE) and its
/// value states, as a calibration produced them and as a format writes them.
///
/// Two conventions exist, each with its own arithmetic:
/// - `.compressedTensors` (llm-compressor 0.14's `kv_cache_scheme`): one scale per tensor
///   (`self_attn.k_scale` / `v_scale`), fake quantization as compressed-tensors does it
///   (fp8 e4m3 or int8, symmetric);
/// - `.modelSlim` (msModelSlim 26.1.0's `dynamic_cache`, AscendV1 "C8"): one int8 symmetric scale
///   per channel (kv_head·head_dim + d), `k_proj.kv_cache_scale` / `v_proj.kv_cache_scale` with zero
///   offsets, msModelSlim's arithmetic (formats.md §2.7).
public struct QuantizedKVCache: Sendable, Equatable {
    /// Whose arithmetic and layout the scales follow.
    public enum Convention: String, Sendable, Equatable {
        case compressedTensors
        case modelSlim
    }

    /// The attention module's path (`model.layers.0.self_attn`).
    public let attentionPath: String
    /// k_proj's and v_proj's paths (AscendV1 names the C8 tensors after them).
    public let keyProjectionPath: String
    public let valueProjectionPath: String
    public let args: QuantizationArgs
    public let convention: Convention
    /// Key scales: one (per tensor) or kvHeads·headDim (per channel).
    public let keyScales: [Float]
    /// Value scales, shaped as `keyScales`.
    public let valueScales: [Float]
    /// The model's dtype (compressed-tensors stores the scales in it).
    public let dtype: ComputeDType

    /// Creates the quantized cache of one attention module.
    public init(attentionPath: String, keyProjectionPath: String, valueProjectionPath: String, args: QuantizationArgs,
                convention: Convention, keyScales: [Float], valueScales: [Float], dtype: ComputeDType) {
        self.attentionPath = attentionPath
        self.keyProjectionPath = keyProjectionPath
        self.valueProjectionPath = valueProjectionPath
        self.args = args
        self.convention = convention
        self.keyScales = keyScales
        self.valueScales = valueScales
        self.dtype = dtype
    }

    /// Fake-quantizes key or value states (T × width) in place with `scales` (one, or one per column).
    public static func fakeQuantize(_ x: inout Matrix, scales: [Float], args: QuantizationArgs, convention: Convention,
                                    dtype: ComputeDType) {
        let width = x.cols
        guard !scales.isEmpty, scales.count == 1 || scales.count == width else { return }
        let perChannel = scales.count > 1
        x.data.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            Parallel.chunks(x.rows, minimumChunk: 64) { rows in
                for r in rows {
                    let row = base + r * width
                    for c in 0..<width {
                        let q = QParams(scale: scales[perChannel ? c : 0], zeroPoint: 0)
                        switch convention {
                        case .compressedTensors:
                            row[c] = QuantArithmetic.fakeQuantize(row[c], q, args: args, dtype: dtype)
                        case .modelSlim:
                            row[c] = ModelSlimArithmetic.dequantize(ModelSlimArithmetic.quantize(row[c], q, bits: args.numBits, dtype: dtype),
                                                                    q, dtype: dtype)
                        }
                    }
                }
            }
        }
    }
}
