/// Vectorized elementwise kernels used by the forward pass (fp32, SIMD16).
public enum VectorMath {
    public typealias V = SIMD16<Float>

    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inlinable @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    /// exp(x) for 16 lanes (Cephes-style range reduction and polynomial; ~1 ulp on [-87, 88]).
    /// Pure lane-wise arithmetic: n = round(x·log2 e) and 2^n are formed with the 1.5·2^23
    /// magic-number trick, so no float↔int conversion (slow for SIMD types in Swift) is needed.
    @inlinable @inline(__always)
    public static func exp(_ input: V) -> V {
        // Lane-wise selects (pointwiseMin/Max and clamped are not vectorized for SIMD16<Float>).
        var x0 = input
        let lower = V(repeating: -87.336_54), upper = V(repeating: 88.722_83)
        x0.replace(with: lower, where: x0 .< lower)
        x0.replace(with: upper, where: x0 .> upper)
        let magic = V(repeating: 12_582_912)
        let shifted = x0 * 1.442_695_04 + magic
        let n = shifted - magic
        var x = x0 - n * 0.693_359_375
        x = x + n * 2.121_944_4e-4
        let z = x * x
        var y = V(repeating: 1.987_569_15e-4)
        y = y * x + 1.398_199_95e-3
        y = y * x + 8.333_451_9e-3
        y = y * x + 4.166_579_59e-2
        y = y * x + 1.666_666_55e-1
        y = y * x + 5.000_000_12e-1
        y = y * z + x + 1
        // The low mantissa bits of `shifted` hold n + 0x400000; move n + 127 into the exponent field.
        let bits = unsafeBitCast(shifted, to: SIMD16<UInt32>.self) &- 0x4B40_0000 &+ 127
        let pow2 = unsafeBitCast(bits &<< 23, to: V.self)
        return y * pow2
    }

    /// Scalar exp with the same polynomial as the vector version.
    @inlinable
    public static func exp(_ x: Float) -> Float {
        exp(V(repeating: x))[0]
    }

    /// Largest of `count` values.
    @inlinable
    public static func maximum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var m = V(repeating: -.infinity)
        var i = 0
        while i + 16 <= count {
            let v = load(p + i)
            m.replace(with: v, where: v .> m)
            i += 16
        }
        var result = m.max()
        while i < count {
            result = Swift.max(result, p[i])
            i += 1
        }
        return result
    }

    /// In-place softmax of `count` values.
    @inlinable
    public static func softmaxInPlace(_ p: UnsafeMutablePointer<Float>, count: Int) {
        let sum = expShiftedInPlace(p, count: count)
        scale(p, count: count, by: 1 / sum)
    }

    /// x ← exp(x − max x) in place; returns Σ exp(x − max x) accumulated in fp32 (the
    /// unnormalized softmax of torch's CPU flash attention).
    @inlinable @discardableResult
    public static func expShiftedInPlace(_ p: UnsafeMutablePointer<Float>, count: Int) -> Float {
        expShiftedInPlace(p, count: count, shift: maximum(p, count: count))
    }

    /// x ← exp(x − shift) in place; returns the fp32 sum of the results.
    @inlinable @discardableResult
    public static func expShiftedInPlace(_ p: UnsafeMutablePointer<Float>, count: Int, shift maxValue: Float) -> Float {
        let m = V(repeating: maxValue)
        var sumV = V(repeating: 0)
        var i = 0
        while i + 16 <= count {
            let e = exp(load(p + i) - m)
            store(e, p + i)
            sumV += e
            i += 16
        }
        var sum = sumV.sum()
        while i < count {
            let e = exp(p[i] - maxValue)
            p[i] = e
            sum += e
            i += 1
        }
        return sum
    }

    /// log Σ exp(x) of `count` values, accumulated in fp32 like torch's log_softmax.
    @inlinable
    public static func logSumExp(_ p: UnsafePointer<Float>, count: Int) -> Float {
        let maxValue = maximum(p, count: count)
        let m = V(repeating: maxValue)
        var sumV = V(repeating: 0)
        var i = 0
        while i + 16 <= count {
            sumV += exp(load(p + i) - m)
            i += 16
        }
        var sum = sumV.sum()
        while i < count {
            sum += exp(p[i] - maxValue)
            i += 1
        }
        return maxValue + Float._log(sum)
    }

    /// p[i] *= factor.
    @inlinable
    public static func scale(_ p: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        var i = 0
        let f = V(repeating: factor)
        while i + 16 <= count {
            store(load(p + i) * f, p + i)
            i += 16
        }
        while i < count {
            p[i] *= factor
            i += 1
        }
    }

    /// gate[i] = silu(gate[i]) · up[i]  (SwiGLU), where silu(x) = x / (1 + e^(−x)).
    @inlinable
    public static func swiglu(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let g = load(gate + i)
            let s = g / (1 + exp(-g))
            store(s * load(up + i), gate + i)
            i += 16
        }
        while i < count {
            let g = gate[i]
            gate[i] = g / (1 + exp(-g)) * up[i]
            i += 1
        }
    }

    /// Rounds `count` values to the nearest bf16 value in place (round half to even), as a cast to
    /// torch.bfloat16 does.
    @inlinable
    public static func roundToBF16(_ p: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let bits = unsafeBitCast(load(p + i), to: SIMD16<UInt32>.self)
            let rounded = (bits &+ 0x7FFF &+ ((bits &>> 16) & 1)) & 0xFFFF_0000
            store(unsafeBitCast(rounded, to: V.self), p + i)
            i += 16
        }
        while i < count {
            p[i] = FloatBits.roundToBF16(p[i])
            i += 1
        }
    }

    /// x[i] = silu(x[i]) = x / (1 + e^(−x)).
    @inlinable
    public static func silu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let g = load(x + i)
            store(g / (1 + exp(-g)), x + i)
            i += 16
        }
        while i < count {
            x[i] = x[i] / (1 + exp(-x[i]))
            i += 1
        }
    }

    /// a[i] *= b[i].
    @inlinable
    public static func multiply(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            store(load(a + i) * load(b + i), a + i)
            i += 16
        }
        while i < count {
            a[i] *= b[i]
            i += 1
        }
    }

    /// a[i] += b[i].
    @inlinable
    public static func add(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            store(load(a + i) + load(b + i), a + i)
            i += 16
        }
        while i < count {
            a[i] += b[i]
            i += 1
        }
    }

    /// RMSNorm of one row as transformers computes it in fp32:
    /// out = weight · (x · rsqrt(mean(x²) + eps)).
    @inlinable
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float,
                               count: Int, into out: UnsafeMutablePointer<Float>) {
        // transformers: hidden.pow(2).mean(-1), summed in torch's order.
        let variance = TorchSum.contiguous(x, count: count, squared: true) / Float(count)
        let inv = 1 / (variance + eps).squareRoot()
        var i = 0
        let invV = V(repeating: inv)
        while i + 16 <= count {
            store(load(weight + i) * (load(x + i) * invV), out + i)
            i += 16
        }
        while i < count {
            out[i] = weight[i] * (x[i] * inv)
            i += 1
        }
    }
}

extension Float {
    @usableFromInline static func _log(_ x: Float) -> Float {
        Float(Foundation_log(Double(x)))
    }
}

#if canImport(Glibc)
import Glibc
@usableFromInline func Foundation_log(_ x: Double) -> Double { Glibc.log(x) }
#else
import Darwin
@usableFromInline func Foundation_log(_ x: Double) -> Double { Darwin.log(x) }
#endif
