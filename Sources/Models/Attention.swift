import Tensors

/// Multi-head self-attention with grouped KV heads, optional q/k RMSNorm (Qwen3) and RoPE.
public struct Attention: Sendable {
    public var qProj: Linear
    public var kProj: Linear
    public var vProj: Linear
    public var oProj: Linear
    /// Per-head RMSNorm on queries (Qwen3).
    public var qNorm: RMSNorm?
    /// Per-head RMSNorm on keys (Qwen3).
    public var kNorm: RMSNorm?
    public let heads: Int
    public let kvHeads: Int
    public let headDim: Int
    /// Sliding-window size for this layer, nil for full causal attention.
    public let window: Int?

    /// Observes key/value states (after RoPE for keys) of every forward call: used by KV-cache calibration.
    public var kvObserver: KVObserver?
    /// Transforms key/value states before attention reads or caches them: KV-cache fake quantization.
    public var kvTransform: KVTransform?

    /// The attention module's path (`model.layers.0.self_attn`): q_proj's parent.
    public var path: String {
        guard let dot = qProj.path.lastIndex(of: ".") else { return qProj.path }
        return String(qProj.path[..<dot])
    }

    /// Runs attention for `x` (T × hidden) whose first row sits at `start`; appends to `cache` when given.
    func callAsFunction(_ x: Matrix, rope: RotaryEmbedding, start: Int, cache: inout [Float]?, cachedValues: inout [Float]?,
                        precision: ForwardPrecision = .float32) -> Matrix {
        attend(x, segments: [0..<x.rows], rope: rope, start: start, cache: &cache, cachedValues: &cachedValues, precision: precision)
    }

    /// Runs attention for several independent sequences stacked by rows (`segments`, each from
    /// position 0): the projections run once over all rows, attention per sequence.
    func callAsFunction(batch x: Matrix, segments: [Range<Int>], rope: RotaryEmbedding,
                        precision: ForwardPrecision = .float32) -> Matrix {
        var none: [Float]? = nil, noneV: [Float]? = nil
        return attend(x, segments: segments, rope: rope, start: 0, cache: &none, cachedValues: &noneV, precision: precision)
    }

    private func attend(_ x: Matrix, segments: [Range<Int>], rope: RotaryEmbedding, start: Int, cache: inout [Float]?,
                        cachedValues: inout [Float]?, precision: ForwardPrecision) -> Matrix {
        let tokens = x.rows
        var q = Profile.time("qkv") { qProj(x, precision: precision) }
        var k = Profile.time("qkv") { kProj(x, precision: precision) }
        var v = Profile.time("qkv") { vProj(x, precision: precision) }
        let qWidth = heads * headDim
        let kvWidth = kvHeads * headDim
        if let qNorm { q.data.withUnsafeMutableBufferPointer { qNorm.applyInPlace($0.baseAddress!, rows: tokens, heads: heads, stride: qWidth, precision: precision) } }
        if let kNorm { k.data.withUnsafeMutableBufferPointer { kNorm.applyInPlace($0.baseAddress!, rows: tokens, heads: kvHeads, stride: kvWidth, precision: precision) } }
        Profile.time("rope") {
            let headDim = self.headDim, heads = self.heads, kvHeads = self.kvHeads
            q.data.withUnsafeMutableBufferPointer { qb in
                k.data.withUnsafeMutableBufferPointer { kb in
                    let qBase = qb.baseAddress!, kBase = kb.baseAddress!
                    // One table per distinct segment length (samples usually share one).
                    var tables: [Int: (cos: [Float], sin: [Float])] = [:]
                    for segment in segments where tables[segment.count] == nil {
                        var (cosTable, sinTable) = rope.tables(start: start, count: segment.count)
                        if precision.isBFloat16 {
                            cosTable = cosTable.map { precision.round($0) }
                            sinTable = sinTable.map { precision.round($0) }
                        }
                        tables[segment.count] = (cosTable, sinTable)
                    }
                    // Segments cover disjoint rows: any order or split gives the same values.
                    Parallel.forEach(segments.count) { index in
                        let segment = segments[index]
                        guard !segment.isEmpty, let (cosTable, sinTable) = tables[segment.count] else { return }
                        cosTable.withUnsafeBufferPointer { c in
                            sinTable.withUnsafeBufferPointer { s in
                                RotaryEmbedding.apply(qBase + segment.lowerBound * qWidth, rows: segment.count, heads: heads,
                                                      dim: headDim, stride: qWidth, cos: c.baseAddress!, sin: s.baseAddress!,
                                                      precision: precision)
                                RotaryEmbedding.apply(kBase + segment.lowerBound * kvWidth, rows: segment.count, heads: kvHeads,
                                                      dim: headDim, stride: kvWidth, cos: c.baseAddress!, sin: s.baseAddress!,
                                                      precision: precision)
                            }
                        }
                    }
                }
            }
        }
        kvObserver?.observe(keys: k, values: v, path: path)
        kvTransform?.apply(&k, &v)
        var keys = k.data
        var values = v.data
        if cache != nil {
            cache!.append(contentsOf: k.data)
            cachedValues!.append(contentsOf: v.data)
            keys = cache!
            values = cachedValues!
        }
        let cached = cache != nil
        let scale = 1 / Float(headDim).squareRoot()
        // The kernel writes every output element of each segment, and the segments cover every row.
        let attended = Profile.time("attend") {
            Matrix(rows: tokens, cols: qWidth) { op in
                q.data.withUnsafeBufferPointer { qp in
                    keys.withUnsafeBufferPointer { kp in
                        values.withUnsafeBufferPointer { vp in
                            for segment in segments where !segment.isEmpty {
                                // With a cache (one segment), the queries attend to every cached key.
                                let keyOffset = cached ? 0 : segment.lowerBound
                                let keyCount = cached ? keys.count / kvWidth : segment.count
                                AttentionKernel.attend(q: qp.baseAddress! + segment.lowerBound * qWidth,
                                                       k: kp.baseAddress! + keyOffset * kvWidth,
                                                       v: vp.baseAddress! + keyOffset * kvWidth,
                                                       out: op.baseAddress! + segment.lowerBound * qWidth,
                                                       queries: segment.count, keys: keyCount,
                                                       heads: heads, kvHeads: kvHeads, headDim: headDim,
                                                       scale: scale, window: window, precision: precision)
                            }
                        }
                    }
                }
            }
        }
        return Profile.time("o") { oProj(attended, precision: precision) }
    }
}

/// The gated MLP: down(silu(gate(x)) · up(x)).
public struct MLP: Sendable {
    public var gateProj: Linear
    public var upProj: Linear
    public var downProj: Linear

    func callAsFunction(_ x: Matrix, precision: ForwardPrecision = .float32) -> Matrix {
        // Without inputsOnly the product is always computed.
        callAsFunction(x, precision: precision, inputsOnly: false) ?? Matrix(rows: 0, cols: 0)
    }

    /// The MLP's output; with `inputsOnly`, nil after down_proj's input hook has seen its input.
    func callAsFunction(_ x: Matrix, precision: ForwardPrecision, inputsOnly: Bool) -> Matrix? {
        var gate = Profile.time("gate_up") { gateProj(x, precision: precision) }
        let up = Profile.time("gate_up") { upProj(x, precision: precision) }
        let count = gate.count
        if precision.isBFloat16 {
            gate.data.withUnsafeMutableBufferPointer { gp in
                up.data.withUnsafeBufferPointer { upp in
                    let g = gp.baseAddress!, u = upp.baseAddress!
                    // Split in whole 16-lane vectors, so an element takes the same (SIMD or scalar
                    // tail) path whatever the number of workers.
                    Parallel.chunks((count + 15) / 16, minimumChunk: 1 << 12) { blocks in
                        let lower = blocks.lowerBound * 16, length = min(count, blocks.upperBound * 16) - lower
                        let gr = g + lower, ur = u + lower
                        VectorMath.silu(gr, count: length)
                        VectorMath.roundToBF16(gr, count: length)
                        VectorMath.multiply(gr, ur, count: length)
                        VectorMath.roundToBF16(gr, count: length)
                    }
                }
            }
            if inputsOnly {
                downProj.inputTransform?.apply(&gate, downProj.path)
                return nil
            }
            return downProj(gate, precision: precision)
        }
        Profile.time("swiglu") {
            gate.data.withUnsafeMutableBufferPointer { gp in
                up.data.withUnsafeBufferPointer { upp in
                    let g = gp.baseAddress!, u = upp.baseAddress!
                    // Whole 16-lane vectors per worker (see the bf16 branch).
                    Parallel.chunks((count + 15) / 16, minimumChunk: 1 << 12) { blocks in
                        let lower = blocks.lowerBound * 16, length = min(count, blocks.upperBound * 16) - lower
                        VectorMath.swiglu(gate: g + lower, up: u + lower, count: length)
                    }
                }
            }
        }
        if inputsOnly {
            downProj.inputTransform?.apply(&gate, downProj.path)
            return nil
        }
        return Profile.time("down") { downProj(gate) }
    }
}

/// One pre-norm transformer block.
public struct DecoderLayer: Sendable {
    public var inputLayerNorm: RMSNorm
    public var attention: Attention
    public var postAttentionLayerNorm: RMSNorm
    public var mlp: MLP

    /// The Linear playing `role`.
    public subscript(role: LinearRole) -> Linear {
        get {
            switch role {
            case .qProj: attention.qProj
            case .kProj: attention.kProj
            case .vProj: attention.vProj
            case .oProj: attention.oProj
            case .gateProj: mlp.gateProj
            case .upProj: mlp.upProj
            case .downProj: mlp.downProj
            }
        }
        set {
            switch role {
            case .qProj: attention.qProj = newValue
            case .kProj: attention.kProj = newValue
            case .vProj: attention.vProj = newValue
            case .oProj: attention.oProj = newValue
            case .gateProj: mlp.gateProj = newValue
            case .upProj: mlp.upProj = newValue
            case .downProj: mlp.downProj = newValue
            }
        }
    }

    /// The norm playing `role`, nil for q/k norms the architecture lacks.
    public subscript(norm role: NormRole) -> RMSNorm? {
        get {
            switch role {
            case .inputLayerNorm: inputLayerNorm
            case .postAttentionLayerNorm: postAttentionLayerNorm
            case .qNorm: attention.qNorm
            case .kNorm: attention.kNorm
            }
        }
        set {
            switch role {
            case .inputLayerNorm: if let newValue { inputLayerNorm = newValue }
            case .postAttentionLayerNorm: if let newValue { postAttentionLayerNorm = newValue }
            case .qNorm: attention.qNorm = newValue
            case .kNorm: attention.kNorm = newValue
            }
        }
    }

    /// Every Linear of the block, in module order.
    public var linears: [Linear] { LinearRole.allCases.map { self[$0] } }

    /// Applies the block to `hidden` in place.
    public func forward(_ hidden: inout Matrix, rope: RotaryEmbedding, start: Int,
                        cacheKeys: inout [Float]?, cacheValues: inout [Float]?, precision: ForwardPrecision = .float32) {
        let normed = Profile.time("norm") { inputLayerNorm(hidden, precision: precision) }
        let attended = attention(normed, rope: rope, start: start,
                                 cache: &cacheKeys, cachedValues: &cacheValues, precision: precision)
        Profile.time("residual") { Self.addInPlace(&hidden, attended) }
        precision.round(&hidden)
        let normed2 = Profile.time("norm") { postAttentionLayerNorm(hidden, precision: precision) }
        let mlpOut = mlp(normed2, precision: precision)
        Profile.time("residual") { Self.addInPlace(&hidden, mlpOut) }
        precision.round(&hidden)
    }

    /// Applies the block to several independent sequences stacked by rows (`segments`, each
    /// from position 0), in place: every row gets exactly what a forward of its own sequence gives.
    /// With `inputsOnly`, the pass only feeds the Linears' input hooks: down_proj's input is
    /// observed but its product and the last residual (which nothing reads) are skipped, and
    /// `hidden` is left holding the post-attention residual.
    public func forward(batch hidden: inout Matrix, segments: [Range<Int>], rope: RotaryEmbedding,
                        precision: ForwardPrecision = .float32, inputsOnly: Bool = false) {
        let normed = Profile.time("norm") { inputLayerNorm(hidden, precision: precision) }
        let attended = attention(batch: normed, segments: segments, rope: rope, precision: precision)
        Profile.time("residual") { Self.addInPlace(&hidden, attended) }
        precision.round(&hidden)
        let normed2 = Profile.time("norm") { postAttentionLayerNorm(hidden, precision: precision) }
        guard let mlpOut = mlp(normed2, precision: precision, inputsOnly: inputsOnly) else { return }
        Profile.time("residual") { Self.addInPlace(&hidden, mlpOut) }
        precision.round(&hidden)
    }

    static func addInPlace(_ a: inout Matrix, _ b: Matrix) {
        let count = a.count
        a.data.withUnsafeMutableBufferPointer { ap in
            b.data.withUnsafeBufferPointer { bp in
                VectorMath.add(ap.baseAddress!, bp.baseAddress!, count: count)
            }
        }
    }

    /// Prepares every Linear for repeated bf16 forwards (see `Linear.prepareForBFloat16`).
    public mutating func prepareForBFloat16() {
        for role in LinearRole.allCases { self[role].prepareForBFloat16() }
    }

    /// Gives mutable access to the Linear whose path ends with `name` (e.g. `self_attn.q_proj`).
    public mutating func withLinear<R>(named name: String, _ body: (inout Linear) throws -> R) rethrows -> R? {
        guard let role = LinearRole.allCases.first(where: { self[$0].path.hasSuffix("." + name) || self[$0].path == name }) else {
            return nil
        }
        return try body(&self[role])
    }
}
