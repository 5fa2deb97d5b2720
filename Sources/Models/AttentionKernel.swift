import Tensors

/// Causal grouped-query attention over row-major buffers. Work is tiled by (KV head, query block):
/// the query rows of every head sharing a KV head are stacked into one matrix, so each tile runs two
/// larger GEMMs (scores, then values) against its K and V once; tiles run in parallel with
/// single-threaded BLAS calls.
enum AttentionKernel {
    static let blockRows = 128

    /// out[t, h·d ..< (h+1)·d] = softmax(scale · q_t,h · K_gᵀ, causal / windowed) · V_g, g = h / (heads / kvHeads).
    /// `q`: T × (heads·d); `k`, `v`: L × (kvHeads·d) with L ≥ T; query t sits at position L − T + t.
    static func attend(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
        out: UnsafeMutablePointer<Float>,
        queries: Int, keys: Int, heads: Int, kvHeads: Int, headDim: Int,
        scale: Float, window: Int?, precision: ForwardPrecision = .float32
    ) {
        let bf16 = precision == .bfloat16
        let qStride = heads * headDim
        let kvStride = kvHeads * headDim
        let groups = heads / kvHeads
        let blocks = (queries + blockRows - 1) / blockRows
        let offset = keys - queries
        // Later blocks are more expensive (more keys); schedule them first for balance.
        Parallel.forEach(kvHeads * blocks) { task in
            let block = blocks - 1 - task / kvHeads
            let kvHead = task % kvHeads
            let r0 = block * blockRows
            let rows = min(queries, r0 + blockRows) - r0
            let lastKey = offset + r0 + rows            // exclusive
            var firstKey = 0
            if let window { firstKey = max(0, offset + r0 - window + 1) }
            let width = lastKey - firstKey
            let stacked = rows * groups                 // row g·rows + i = query r0 + i of head kvHead·groups + g
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: stacked * (2 * headDim + width + 1))
            defer { scratch.deallocate() }
            let stackedQ = scratch, stackedOut = scratch + stacked * headDim
            let scores = stackedOut + stacked * headDim, sums = scores + stacked * width
            for g in 0..<groups {
                let column = (kvHead * groups + g) * headDim
                for i in 0..<rows {
                    (stackedQ + (g * rows + i) * headDim).update(from: q + (r0 + i) * qStride + column, count: headDim)
                }
            }
            BLAS.gemmABt(m: stacked, n: width, k: headDim, a: stackedQ, lda: headDim,
                         b: k + firstKey * kvStride + kvHead * headDim, ldb: kvStride,
                         c: scores, ldc: width, alpha: scale)
            for row in 0..<stacked {
                let position = offset + r0 + row % rows
                let lo = window.map { max(firstKey, position - $0 + 1) } ?? firstKey
                let p = scores + row * width
                let validStart = lo - firstKey
                let validEnd = position + 1 - firstKey
                if bf16 {
                    // torch's CPU flash attention (transformers' default sdpa): unnormalized exp(s − max)
                    // rounded to bf16 for the value GEMM, fp32 row sums, one rounding of out · (1/sum).
                    sums[row] = VectorMath.expShiftedInPlace(p + validStart, count: validEnd - validStart)
                    VectorMath.roundToBF16(p + validStart, count: validEnd - validStart)
                } else {
                    VectorMath.softmaxInPlace(p + validStart, count: validEnd - validStart)
                }
                if validStart > 0 { p.update(repeating: 0, count: validStart) }
                if validEnd < width { (p + validEnd).update(repeating: 0, count: width - validEnd) }
            }
            BLAS.gemmAB(m: stacked, n: headDim, k: width, a: scores, lda: width,
                        b: v + firstKey * kvStride + kvHead * headDim, ldb: kvStride,
                        c: stackedOut, ldc: headDim)
            for g in 0..<groups {
                let column = (kvHead * groups + g) * headDim
                for i in 0..<rows {
                    let source = stackedOut + (g * rows + i) * headDim
                    let target = out + (r0 + i) * qStride + column
                    if bf16 {
                        VectorMath.scale(source, count: headDim, by: 1 / sums[g * rows + i])
                        VectorMath.roundToBF16(source, count: headDim)
                    }
                    target.update(from: source, count: headDim)
                }
            }
        }
    }
}
