import Tensors

/// msModelSlim 26.1.0's integer quantization (`ir/api/impl/int_quantization.py`,
/// `calculate_int_qparam`), op by op in the dtype of the observed min/max (formats.md §2.1):
///
/// - min ← min(min, 0), max ← max(max, 0); eps = fp32 machine eps (2^−23) in that dtype;
/// - symmetric: scale = max(−min, max) / (2^(b−1) − 1) (divisor **127** for int8, 7 for int4, not
///   compressed-tensors' 127.5), floored at eps; offset 0;
/// - asymmetric: scale = max/(2^b − 1) − min/(2^b − 1) (two divisions, then the subtraction),
///   floored at eps; offset = rne(−min/scale) + qmin, a **signed** offset (−128 … 127 for int8);
/// - quantize: clamp(rne(x/scale + offset), qmin, qmax); dequantize: (q − offset)·scale.
///
/// The offset is carried in `QParams.zeroPoint`, so `QuantizedWeight` dequantizes these values
/// with the same (q − zp)·s as compressed-tensors' weights.
public enum ModelSlimArithmetic {
    /// qparams of an observed range.
    @inlinable
    public static func qparams(min observedMin: Float, max observedMax: Float, bits: Int, symmetric: Bool,
                               dtype: ComputeDType) -> QParams {
        let lo = Swift.min(observedMin, 0)
        let hi = Swift.max(observedMax, 0)
        let eps = dtype.round(Float.ulpOfOne)
        if symmetric {
            let divisor = Float((1 << (bits - 1)) - 1)
            let scale = Swift.max(dtype.round(Swift.max(-lo, hi) / divisor), eps)
            return QParams(scale: scale, zeroPoint: 0)
        }
        let levels = Float((1 << bits) - 1)
        let scale = Swift.max(dtype.round(dtype.round(hi / levels) - dtype.round(lo / levels)), eps)
        let qmin = -Float(1 << (bits - 1))
        let offset = dtype.round(dtype.round(-lo / scale).rounded(.toNearestOrEven) + qmin)
        return QParams(scale: scale, zeroPoint: offset)
    }

    /// clamp(rne(x/scale + offset), qmin, qmax) for a signed `bits`-bit integer.
    @inlinable
    public static func quantize(_ x: Float, _ q: QParams, bits: Int, dtype: ComputeDType) -> Float {
        let qmin = -Float(1 << (bits - 1)), qmax = Float((1 << (bits - 1)) - 1)
        var t = dtype.round(x / q.scale)
        if q.zeroPoint != 0 { t = dtype.round(t + q.zeroPoint) }
        return Swift.min(Swift.max(t.rounded(.toNearestOrEven), qmin), qmax)
    }

    /// (q − offset)·scale in the dtype.
    @inlinable
    public static func dequantize(_ quantized: Float, _ q: QParams, dtype: ComputeDType) -> Float {
        let shifted = q.zeroPoint == 0 ? quantized : dtype.round(quantized - q.zeroPoint)
        return dtype.round(shifted * q.scale)
    }

    /// Quantize then dequantize `count` values in place with one set of qparams.
    public static func fakeQuantize(_ x: UnsafeMutablePointer<Float>, count: Int, _ q: QParams, bits: Int, dtype: ComputeDType) {
        for i in 0..<count {
            x[i] = dequantize(quantize(x[i], q, bits: bits, dtype: dtype), q, dtype: dtype)
        }
    }

    /// Dynamic per-token quantization, quantize then dequantize: each of `rows` rows of `cols`
    /// values with the qparams of its own min/max.
    public static func fakeQuantizeRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bits: Int, symmetric: Bool,
                                        dtype: ComputeDType) {
        for r in 0..<rows {
            let row = x + r * cols
            var lo = Float.infinity, hi = -Float.infinity
            for c in 0..<cols { lo = Swift.min(lo, row[c]); hi = Swift.max(hi, row[c]) }
            fakeQuantize(row, count: cols, qparams(min: lo, max: hi, bits: bits, symmetric: symmetric, dtype: dtype), bits: bits, dtype: dtype)
        }
    }

    /// Round-to-nearest weight quantization with msModelSlim's min/max qparams: per output row
    /// (`per_channel`), per run of `group_size` consecutive input columns of a row (`per_group`),
    /// or one range for the whole tensor (`per_tensor`).
    public static func quantizeWeight(_ weight: Matrix, args: QuantizationArgs, dtype: ComputeDType) throws -> QuantizedWeight {
        if args.type == .float { return try quantizeFloat8Weight(weight, args: args, dtype: dtype) }
        let (scaleRows, scaleCols, width): (Int, Int, Int)
        switch args.resolvedStrategy {
        case .tensor: (scaleRows, scaleCols, width) = (1, 1, weight.count)
        case .channel: (scaleRows, scaleCols, width) = (weight.rows, 1, weight.cols)
        case .group:
            let g = args.groupSize ?? weight.cols
            guard g > 0, weight.cols % g == 0 else {
                throw QuantizationError("msModelSlim arithmetic: group_size \(g) does not divide \(weight.cols) columns")
            }
            (scaleRows, scaleCols, width) = (weight.rows, weight.cols / g, g)
        default:
            throw QuantizationError("weight strategy '\(args.resolvedStrategy.rawValue)' is not supported yet")
        }
        let count = scaleRows * scaleCols
        var scales = [Float](repeating: 0, count: count)
        var offsets = [Float](repeating: 0, count: count)
        weight.data.withUnsafeBufferPointer { wp in
            // Groups are consecutive in row-major order for every strategy here.
            for i in 0..<count {
                var lo = Float.infinity, hi = -Float.infinity
                for v in UnsafeBufferPointer(rebasing: wp[(i * width)..<((i + 1) * width)]) {
                    lo = Swift.min(lo, v)
                    hi = Swift.max(hi, v)
                }
                let q = qparams(min: lo, max: hi, bits: args.numBits, symmetric: args.symmetric, dtype: dtype)
                scales[i] = q.scale
                offsets[i] = q.zeroPoint
            }
        }
        return WeightQuantizer.quantize(weight, args: args, dtype: dtype, scales: scales, zeroPoints: offsets,
                                        scaleRows: scaleRows, scaleCols: scaleCols)
    }

    /// fp8 e4m3 weights per output channel (WFP8AFP8_DYNAMIC): scale = max(max(−min, max) / 448, eps)
    /// in the dtype, values = e4m3(clamp(w / scale, ±448)). The same min/max rule as the int path;
    /// not checked against a real msModelSlim fp8 output (../shared/reference has none).
    static func quantizeFloat8Weight(_ weight: Matrix, args: QuantizationArgs, dtype: ComputeDType) throws -> QuantizedWeight {
        guard args.numBits == 8, args.symmetric, args.resolvedStrategy == .channel else {
            throw QuantizationError("msModelSlim arithmetic: fp8 weights are symmetric per_channel only")
        }
        let rows = weight.rows, cols = weight.cols
        let eps = dtype.round(Float.ulpOfOne)
        var scales = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            var lo: Float = 0, hi: Float = 0
            for c in 0..<cols { lo = Swift.min(lo, weight[r, c]); hi = Swift.max(hi, weight[r, c]) }
            scales[r] = Swift.max(dtype.round(Swift.max(-lo, hi) / 448), eps)
        }
        return WeightQuantizer.quantize(weight, args: args, dtype: dtype, scales: scales,
                                        zeroPoints: [Float](repeating: 0, count: rows), scaleRows: rows, scaleCols: 1)
    }
}
