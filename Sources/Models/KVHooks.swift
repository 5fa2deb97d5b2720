import Tensors

/// Receives a layer's key states (after RoPE) and value states, each T × kvHeads·headDim, as the
/// attention computes them: KV-cache calibration reads them here.
public struct KVObserver: Sendable {
    /// Called once per forward with the keys, the values and the attention module's path.
    public let observe: @Sendable (Matrix, Matrix, String) -> Void

    /// Wraps a closure.
    public init(_ observe: @escaping @Sendable (Matrix, Matrix, String) -> Void) {
        self.observe = observe
    }

    func observe(keys: Matrix, values: Matrix, path: String) {
        observe(keys, values, path)
    }
}

/// Rewrites a layer's key states (after RoPE) and value states in place before the attention
/// reads or caches them: evaluation simulates a quantized KV cache with it.
public struct KVTransform: Sendable {
    /// Transforms keys and values (each T × kvHeads·headDim) in place.
    public let apply: @Sendable (inout Matrix, inout Matrix) -> Void

    /// Wraps a closure.
    public init(_ apply: @escaping @Sendable (inout Matrix, inout Matrix) -> Void) {
        self.apply = apply
    }
}
