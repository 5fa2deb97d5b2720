import Tensors

/// Scale and zero point of one quantization group, as compressed-tensors computes them.
public struct QParams: Sendable, Equatable {
    /// Scale, a value of the compute dtype.
    public var scale: Float
    /// Zero point, an integer value (0 for symmetric).
    public var zeroPoint: Float

    public init(scale: Float, zeroPoint: Float) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }
}

/// compressed-tensors' arithmetic, emulating the model dtype op by op (formats.md §1.5).
public enum QuantArithmetic {
    /// `calculate_qparams(min, max)`: divisor (qmax−qmin)/2 for symmetric (127.5, 7.5, 448).
    @inlinable
    public static func qparams(min observedMin: Float, max observedMax: Float, args: QuantizationArgs,
                               dtype: ComputeDType) -> QParams {
        let lo = Swift.min(observedMin, 0)
        let hi = Swift.max(observedMax, 0)
        let (qmin, qmax) = args.range
        let bitRange = dtype.round(qmax - qmin)
        var scale: Float
        var zeroPoint: Float = 0
        if args.symmetric {
            let amax = Swift.max(abs(lo), abs(hi))
            scale = dtype.round(amax / dtype.round(bitRange / 2))
        } else {
            scale = dtype.round(dtype.round(hi - lo) / bitRange)
            let shifted = dtype.round(qmin - dtype.round(lo / scale))
            zeroPoint = shifted.isNaN ? 0 : Swift.min(Swift.max(shifted, qmin), qmax)
        }
        if scale == 0 { scale = dtype.eps }
        // Round the zero point into int8 (clamp, then round half to even).
        zeroPoint = Swift.min(Swift.max(zeroPoint, -128), 127).rounded(.toNearestOrEven)
        return QParams(scale: scale, zeroPoint: zeroPoint)
    }

    /// Quantized value of `x` (still a float: an integer, or an fp8-representable value).
    @inlinable
    public static func quantize(_ x: Float, _ q: QParams, args: QuantizationArgs, dtype: ComputeDType) -> Float {
        var t = dtype.round(x / q.scale)
        if !args.symmetric { t = dtype.round(t + q.zeroPoint) }
        let (qmin, qmax) = args.range
        let clamped = Swift.min(Swift.max(t, qmin), qmax)
        switch args.type {
        case .int: return clamped.rounded(.toNearestOrEven)
        case .float: return FloatBits.f8e4m3ToFloat(FloatBits.floatToF8E4M3(clamped))
        }
    }

    /// Dequantized value: (q − zp)·scale in the scale dtype.
    @inlinable
    public static func dequantize(_ quantized: Float, _ q: QParams, dtype: ComputeDType) -> Float {
        let shifted = q.zeroPoint == 0 ? quantized : dtype.round(quantized - q.zeroPoint)
        return dtype.round(shifted * q.scale)
    }

    /// quantize then dequantize.
    @inlinable
    public static func fakeQuantize(_ x: Float, _ q: QParams, args: QuantizationArgs, dtype: ComputeDType) -> Float {
        dequantize(quantize(x, q, args: args, dtype: dtype), q, dtype: dtype)
    }
}
