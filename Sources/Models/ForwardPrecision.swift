import Tensors

/// The arithmetic of a forward pass.
public enum ForwardPrecision: Sendable, Equatable {
    /// Everything in fp32 (how SwiftQuant evaluates, as transformers with dtype=float32).
    case float32
    /// torch's bf16 CPU numerics emulated op by op: every op's result is rounded to bf16, matmuls
    /// accumulate in fp32, norms and softmax compute in fp32 and round their outputs. Calibration
    /// uses it for bf16 checkpoints so that observed activations equal llm-compressor's.
    case bfloat16

    /// Rounds `m` to this precision in place.
    @inlinable func round(_ m: inout Matrix) {
        if self == .bfloat16 { m.roundToBF16() }
    }

    @inlinable func round(_ x: Float) -> Float {
        self == .bfloat16 ? FloatBits.roundToBF16(x) : x
    }
}
