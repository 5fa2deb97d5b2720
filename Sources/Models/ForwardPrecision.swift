import Tensors

/// The arithmetic of a forward pass: the number format every op rounds to, and which of
/// transformers' attention implementations is reproduced.
public struct ForwardPrecision: Sendable, Equatable {
    /// transformers' attention implementations, whose arithmetic differs in the last bits (fp32) or
    /// by whole bf16 steps (bf16).
    public enum Attention: Sendable, Equatable, CaseIterable {
        /// `sdpa`, transformers' default: torch's CPU flash attention (fp32 scores, online softmax
        /// per 512-key chunk, unnormalized probabilities in the value GEMM).
        case sdpa
        /// `eager`: scores = q·kᵀ rounded to the dtype, × scale, + additive mask, softmax in fp32
        /// rounded to the dtype, then probabilities · V. llm-compressor 0.14 forces it for every
        /// calibration forward (`calibration_forward_context` → `use_eager_attention`).
        case eager
    }

    /// Whether every op's result is rounded to bf16 (torch's bf16 CPU numerics emulated op by op:
    /// matmuls accumulate in fp32, norms and softmax compute in fp32 and round their outputs);
    /// otherwise everything is fp32.
    public var isBFloat16: Bool
    /// The attention arithmetic.
    public var attention: Attention

    /// Creates a precision.
    public init(isBFloat16: Bool, attention: Attention) {
        self.isBFloat16 = isBFloat16
        self.attention = attention
    }

    /// Everything in fp32 with sdpa attention (how SwiftQuant evaluates, as transformers with
    /// dtype=float32).
    public static let float32 = ForwardPrecision(isBFloat16: false, attention: .sdpa)
    /// bf16 with sdpa attention (transformers' default for a bf16 model).
    public static let bfloat16 = ForwardPrecision(isBFloat16: true, attention: .sdpa)

    /// This precision with another attention arithmetic.
    public func with(attention: Attention) -> ForwardPrecision {
        ForwardPrecision(isBFloat16: isBFloat16, attention: attention)
    }

    /// Rounds `m` to this precision in place.
    @inlinable func round(_ m: inout Matrix) {
        if isBFloat16 { m.roundToBF16() }
    }

    @inlinable func round(_ x: Float) -> Float {
        isBFloat16 ? FloatBits.roundToBF16(x) : x
    }
}

extension ForwardPrecision: CustomStringConvertible {
    /// e.g. `bf16/eager`.
    public var description: String { "\(isBFloat16 ? "bf16" : "fp32")/\(attention)" }
}
