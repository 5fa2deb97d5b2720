import Foundation

/// Rotary position embedding with the inverse frequencies transformers derives, in fp32.
public struct RotaryEmbedding: Sendable {
    /// Rotated dimension (the head dimension).
    public let dim: Int
    /// fp32 inverse frequencies, `dim / 2` of them.
    public let inverseFrequencies: [Float]

    /// Builds the frequencies for `base` and `scaling` the way transformers' rope init functions do (fp32).
    public init(dim: Int, base: Double, scaling: RopeScaling) {
        self.dim = dim
        let half = dim / 2
        let baseF = Float(base)
        var inv = (0..<half).map { i -> Float in
            let exponent = Float(2 * i) / Float(dim)
            return 1 / powf(baseF, exponent)
        }
        switch scaling {
        case .none:
            break
        case .linear(let factor):
            inv = inv.map { $0 / Float(factor) }
        case .llama3(let factor, let low, let high, let original):
            let factorF = Float(factor)
            let lowF = Float(low), highF = Float(high), oldContext = Float(original)
            let lowWavelen = oldContext / lowF
            let highWavelen = oldContext / highF
            inv = inv.map { freq in
                let wavelen = 2 * Float.pi / freq
                let scaled = wavelen > lowWavelen ? freq / factorF : freq
                let smooth = (oldContext / wavelen - lowF) / (highF - lowF)
                let smoothed = (1 - smooth) * scaled / factorF + smooth * scaled
                let isMedium = !(wavelen < highWavelen) && !(wavelen > lowWavelen)
                return isMedium ? smoothed : scaled
            }
        }
        self.inverseFrequencies = inv
    }

    /// cos and sin tables for positions `start ..< start + count`, each `count × dim/2`.
    public func tables(start: Int, count: Int) -> (cos: [Float], sin: [Float]) {
        let half = dim / 2
        var cosTable = [Float](repeating: 0, count: count * half)
        var sinTable = [Float](repeating: 0, count: count * half)
        for t in 0..<count {
            let position = Float(start + t)
            for i in 0..<half {
                let angle = position * inverseFrequencies[i]
                cosTable[t * half + i] = cosf(angle)
                sinTable[t * half + i] = sinf(angle)
            }
        }
        return (cosTable, sinTable)
    }

    /// Rotates every head of `x` (rows × heads·dim, row stride `stride`) in place: rotate-half convention.
    public static func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, dim: Int, stride: Int,
                             cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, precision: ForwardPrecision = .float32) {
        let half = dim / 2
        if precision.isBFloat16 {
            // q·cos + rotate_half(q)·sin with each product and the sum rounded (cos/sin already bf16).
            for t in 0..<rows {
                let c = cos + t * half, s = sin + t * half
                for h in 0..<heads {
                    let v = x + t * stride + h * dim
                    for i in 0..<half {
                        let a = v[i], b = v[i + half]
                        v[i] = precision.round(precision.round(a * c[i]) + precision.round(-b * s[i]))
                        v[i + half] = precision.round(precision.round(b * c[i]) + precision.round(a * s[i]))
                    }
                }
            }
            return
        }
        for t in 0..<rows {
            let c = cos + t * half
            let s = sin + t * half
            for h in 0..<heads {
                let v = x + t * stride + h * dim
                for i in 0..<half {
                    let a = v[i], b = v[i + half]
                    v[i] = a * c[i] - b * s[i]
                    v[i + half] = b * c[i] + a * s[i]
                }
            }
        }
    }
}
