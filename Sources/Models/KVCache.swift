import Tensors

/// Keys (after RoPE) and values of past positions, one entry per decoder layer.
public struct KVCache: Sendable {
    /// Per-layer keys, `length × kvHeads·headDim` each.
    public var keys: [[Float]]
    /// Per-layer values, same shape as keys.
    public var values: [[Float]]
    /// Row width (kvHeads · headDim).
    public let width: Int

    /// An empty cache for `layers` layers.
    public init(layers: Int, width: Int) {
        self.keys = Array(repeating: [], count: layers)
        self.values = Array(repeating: [], count: layers)
        self.width = width
    }

    /// Cached positions of `layer`.
    public func length(layer: Int) -> Int { keys[layer].count / width }

    /// Number of cached positions (of layer 0).
    public var length: Int { keys.isEmpty ? 0 : length(layer: 0) }
}
