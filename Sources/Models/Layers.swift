import Tensors

/// A Linear layer addressed by its Hugging Face module path: y = x·Wᵀ (+ b).
public struct Linear: Sendable {
    /// Module path, e.g. `model.layers.0.self_attn.q_proj`.
    public let path: String
    /// Weight of shape (out, in).
    public var weight: Matrix { didSet { bf16Weight = nil; dnnlWeight = nil } }
    /// The weight packed for `TorchBF16Linear`, kept by `prepareForBFloat16()` for bf16 forwards.
    private var bf16Weight: TorchBF16Linear.PackedWeight?
    /// The weight as bf16 bits for `OneDNNLinear` (when oneDNN runs bf16 on this CPU).
    private var dnnlWeight: OneDNNLinear.PackedWeight?
    /// Optional bias of length `out`.
    public var bias: [Float]?
    /// Optional transformation of the input before the matmul (activation fake-quantization, observers).
    public var inputTransform: InputTransform?

    /// Creates a Linear layer.
    public init(path: String, weight: Matrix, bias: [Float]? = nil) {
        self.path = path
        self.weight = weight
        self.bias = bias
    }

    /// Input width.
    public var inFeatures: Int { weight.cols }
    /// Output width.
    public var outFeatures: Int { weight.rows }

    /// Prepares repeated bf16 forwards: the weight is packed once instead of per call.
    public mutating func prepareForBFloat16() {
        if OneDNNLinear.isAvailable {
            dnnlWeight = OneDNNLinear.PackedWeight(weight)
        } else {
            bf16Weight = TorchBF16Linear.PackedWeight(weight)
        }
    }

    /// Applies the layer to rows of `x`.
    public func callAsFunction(_ x: Matrix, precision: ForwardPrecision = .float32) -> Matrix {
        var y: Matrix
        var input = x
        inputTransform?.apply(&input, path)
        if precision.isBFloat16 && bias == nil {
            // oneDNN where the CPU has native bf16 (torch's own library: fast and in its order),
            // otherwise SwiftQuant's emulation of oneDNN's order.
            if OneDNNLinear.isAvailable, let fast = OneDNNLinear.apply(input, dnnlWeight ?? OneDNNLinear.PackedWeight(weight)) {
                y = fast
            } else {
                y = TorchBF16Linear.apply(input, bf16Weight ?? TorchBF16Linear.PackedWeight(weight))
            }
        } else {
            y = BLAS.linear(input, weight: weight, bias: bias)
        }
        precision.round(&y)
        return y
    }
}

/// A hook applied to a Linear's input rows (e.g. simulated activation quantization).
public struct InputTransform: Sendable {
    /// Transforms `x` in place; the second argument is the Linear's module path.
    public let apply: @Sendable (inout Matrix, String) -> Void

    /// Wraps a closure.
    public init(_ apply: @escaping @Sendable (inout Matrix, String) -> Void) {
        self.apply = apply
    }
}

/// Root-mean-square layer norm with a learned scale and, after a smoothing shift (msModelSlim's
/// `RMSNormBias`), a bias: y = weight · x / rms(x) + bias.
public struct RMSNorm: Sendable {
    /// Module path, e.g. `model.layers.0.input_layernorm`.
    public let path: String
    /// Per-feature scale.
    public var weight: [Float]
    /// Per-feature bias, added after the scale; nil for the plain RMSNorm of the checkpoints
    /// (transformers' Llama-family RMSNorms have none, so checkpoints never load one).
    public var bias: [Float]?
    /// Epsilon added to the mean square.
    public let eps: Float

    /// Creates a norm.
    public init(path: String, weight: [Float], bias: [Float]? = nil, eps: Float) {
        self.path = path
        self.weight = weight
        self.bias = bias
        self.eps = eps
    }

    /// Normalizes every row of `x`. In bf16 the normalized row is rounded before the scale
    /// multiplies it and again after, as transformers' RMSNorm does for bf16 inputs.
    public func callAsFunction(_ x: Matrix, precision: ForwardPrecision = .float32) -> Matrix {
        if precision.isBFloat16 {
            var out = x
            let width = x.cols
            out.data.withUnsafeMutableBufferPointer { op in
                let base = op.baseAddress!
                // Rows are independent: any split gives the same values.
                Parallel.chunks(x.rows, minimumChunk: 64) { rows in
                    applyInPlace(base + rows.lowerBound * width, rows: rows.count, heads: 1, stride: width, precision: precision)
                }
            }
            return out
        }
        var out = Matrix(rows: x.rows, cols: x.cols)
        let width = x.cols
        x.data.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                out.data.withUnsafeMutableBufferPointer { op in
                    let xBase = xp.baseAddress!, wBase = wp.baseAddress!, oBase = op.baseAddress!
                    Parallel.chunks(x.rows, minimumChunk: 64) { range in
                        for r in range {
                            VectorMath.rmsNorm(xBase + r * width, weight: wBase, eps: eps, count: width,
                                               into: oBase + r * width)
                        }
                        if let bias {
                            for r in range {
                                for i in 0..<width { oBase[r * width + i] += bias[i] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Normalizes `count` vectors of width `weight.count` stored with a stride, in place.
    public func applyInPlace(_ p: UnsafeMutablePointer<Float>, rows: Int, heads: Int, stride: Int,
                             precision: ForwardPrecision = .float32) {
        let width = weight.count
        weight.withUnsafeBufferPointer { wp in
            let wBase = wp.baseAddress!
            let tmp = UnsafeMutablePointer<Float>.allocate(capacity: width)
            defer { tmp.deallocate() }
            guard precision.isBFloat16 else {
                for r in 0..<rows {
                    for h in 0..<heads {
                        let v = p + r * stride + h * width
                        VectorMath.rmsNorm(v, weight: wBase, eps: eps, count: width, into: tmp)
                        v.update(from: tmp, count: width)
                        if let bias { for i in 0..<width { v[i] += bias[i] } }
                    }
                }
                return
            }
            // bf16: normalize with a unit scale, round, then multiply by the weight and round again.
            let ones = [Float](repeating: 1, count: width)
            ones.withUnsafeBufferPointer { op in
                for r in 0..<rows {
                    for h in 0..<heads {
                        let v = p + r * stride + h * width
                        VectorMath.rmsNorm(v, weight: op.baseAddress!, eps: eps, count: width, into: tmp)
                        VectorMath.roundToBF16(tmp, count: width)
                        for i in 0..<width { v[i] = FloatBits.roundToBF16(wBase[i] * tmp[i]) }
                        if let bias { for i in 0..<width { v[i] = FloatBits.roundToBF16(v[i] + bias[i]) } }
                    }
                }
            }
        }
    }
}
