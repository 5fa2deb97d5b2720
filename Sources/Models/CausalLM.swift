import Foundation
import Safetensors
import Tensors

/// A Llama-family causal language model computed in fp32, callable as a whole or piece by piece
/// (embedding, one decoder layer, head) so calibration can run layer by layer.
public struct CausalLM: Sendable {
    public let config: ModelConfiguration
    /// Token embedding table, vocab × hidden.
    public var embedTokens: Matrix
    public var layers: [DecoderLayer]
    public var norm: RMSNorm
    /// The output head; nil when tied to `embedTokens`.
    public var lmHead: Linear?
    public let rope: RotaryEmbedding

    /// Builds the model from its parts.
    public init(config: ModelConfiguration, embedTokens: Matrix, layers: [DecoderLayer], norm: RMSNorm, lmHead: Linear?) {
        self.config = config
        self.embedTokens = embedTokens
        self.layers = layers
        self.norm = norm
        self.lmHead = lmHead
        self.rope = RotaryEmbedding(dim: config.headDim, base: config.ropeTheta, scaling: config.ropeScaling)
    }

    // MARK: pieces

    /// Hidden states for `ids` (T × hidden).
    public func embed(_ ids: [Int]) throws -> Matrix {
        let width = config.hiddenSize
        var out = Matrix(rows: ids.count, cols: width)
        for (t, id) in ids.enumerated() {
            guard id >= 0, id < embedTokens.rows else {
                throw ModelError("token id \(id) is outside the vocabulary (0..<\(embedTokens.rows))")
            }
            out.data.withUnsafeMutableBufferPointer { op in
                embedTokens.data.withUnsafeBufferPointer { ep in
                    (op.baseAddress! + t * width).update(from: ep.baseAddress! + id * width, count: width)
                }
            }
        }
        return out
    }

    /// Runs decoder layer `index` on `hidden` (rows at positions `start…`), optionally extending `cache`.
    public func forwardLayer(_ index: Int, _ hidden: inout Matrix, start: Int = 0, cache: inout KVCache?) {
        var keys: [Float]? = cache.map { $0.keys[index] }
        var values: [Float]? = cache.map { $0.values[index] }
        if cache != nil {
            cache!.keys[index] = []
            cache!.values[index] = []
        }
        layers[index].forward(&hidden, rope: rope, start: start, cacheKeys: &keys, cacheValues: &values)
        if cache != nil, let keys, let values {
            cache!.keys[index] = keys
            cache!.values[index] = values
        }
    }

    /// Final RMSNorm of the hidden states.
    public func finalNorm(_ hidden: Matrix) -> Matrix { norm(hidden) }

    /// The weight the head multiplies by (lm_head or the tied embedding), vocab × hidden.
    public var headWeight: Matrix { lmHead?.weight ?? embedTokens }

    /// Logits (rows × vocab) for already-normalized hidden states.
    public func logits(normalized: Matrix) -> Matrix {
        if let lmHead { return lmHead(normalized) }
        return BLAS.linear(normalized, weight: embedTokens)
    }

    // MARK: whole model

    /// Final normalized hidden states of `ids` from position `start`, optionally using and extending `cache`.
    public func hiddenStates(_ ids: [Int], start: Int = 0, cache: inout KVCache?) throws -> Matrix {
        var hidden = try embed(ids)
        for index in layers.indices {
            forwardLayer(index, &hidden, start: start, cache: &cache)
        }
        return finalNorm(hidden)
    }

    /// Logits (T × vocab) of one sequence from position 0, no cache.
    public func forward(_ ids: [Int]) throws -> Matrix {
        var cache: KVCache? = nil
        return logits(normalized: try hiddenStates(ids, cache: &cache))
    }

    /// An empty KV cache sized for this model.
    public func makeCache() -> KVCache {
        KVCache(layers: layers.count, width: config.numKVHeads * config.headDim)
    }

    /// Paths of every Linear in module order (decoder layers, then lm_head if untied).
    public var linearPaths: [String] {
        layers.flatMap { $0.linears.map(\.path) } + (lmHead.map { [$0.path] } ?? [])
    }

    /// The Linear at a Hugging Face module path, if any.
    public func linear(at path: String) -> Linear? {
        if path == config.architecture.declaration.lmHeadPath { return lmHead }
        guard let (index, name) = splitLayerPath(path), layers.indices.contains(index) else { return nil }
        var layer = layers[index]
        return layer.withLinear(named: name) { $0 }
    }

    /// Mutable access to the Linear at a Hugging Face module path; returns nil when there is none.
    public mutating func withLinear<R>(at path: String, _ body: (inout Linear) throws -> R) rethrows -> R? {
        if path == config.architecture.declaration.lmHeadPath {
            guard lmHead != nil else { return nil }
            return try body(&lmHead!)
        }
        guard let (index, name) = splitLayerPath(path), layers.indices.contains(index) else { return nil }
        return try layers[index].withLinear(named: name, body)
    }

    func splitLayerPath(_ path: String) -> (Int, String)? {
        let prefix = config.architecture.declaration.layersPath + "."
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]) else { return nil }
        return (index, String(rest[rest.index(after: dot)...]))
    }
}
