import Tensors

extension DecoderLayer {
    /// Runs one sub-module of the block on its own input rows: the attention block (q/k/v, RoPE,
    /// attention, o_proj) on the normed hidden states, the MLP on the post-attention normed
    /// states, or a single Linear on its input. `segments` are the samples stacked in `input`
    /// (each from position 0). AWQ compares these outputs for candidate scales; with no input
    /// transforms installed the result is exactly what the block computes at that point.
    /// Nil for the attention block without a rotary embedding.
    public func forward(parent: ScaleMapping.Parent, linear: LinearRole, input: Matrix, segments: [Range<Int>],
                        rope: RotaryEmbedding?, precision: ForwardPrecision = .float32) -> Matrix? {
        switch parent {
        case .attention:
            guard let rope else { return nil }
            return attention(batch: input, segments: segments, rope: rope, precision: precision)
        case .mlp:
            return mlp(input, precision: precision)
        case .balance:
            return self[linear](input, precision: precision)
        }
    }
}
