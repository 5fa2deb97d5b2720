import Tensors

/// Causal grouped-query attention over row-major buffers, tiled by query blocks so that a block's
/// scores stay in cache; (head, block) tiles run in parallel with single-threaded BLAS calls.
enum AttentionKernel {
    static let blockRows = 64

    /// out[t, h·d ..< (h+1)·d] = softmax(scale · q_t,h · K_gᵀ, causal / windowed) · V_g.
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
        Parallel.forEach(heads * blocks) { task in
            let block = blocks - 1 - task / heads
            let head = task % heads
            let kvHead = head / groups
            let r0 = block * blockRows
            let r1 = min(queries, r0 + blockRows)
            let rows = r1 - r0
            let lastKey = offset + r1            // exclusive
            var firstKey = 0
            if let window { firstKey = max(0, offset + r0 - window + 1) }
            let width = lastKey - firstKey
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: rows * width)
            defer { scores.deallocate() }
            // bf16 (eager attention): round q·kᵀ, then the scaled scores, then the fp32 softmax.
            BLAS.gemmABt(m: rows, n: width, k: headDim,
                         a: q + r0 * qStride + head * headDim, lda: qStride,
                         b: k + firstKey * kvStride + kvHead * headDim, ldb: kvStride,
                         c: scores, ldc: width, alpha: bf16 ? 1 : scale)
            if bf16 {
                VectorMath.roundToBF16(scores, count: rows * width)
                VectorMath.scale(scores, count: rows * width, by: scale)
                VectorMath.roundToBF16(scores, count: rows * width)
            }
            for i in 0..<rows {
                let position = offset + r0 + i
                let lo = window.map { max(firstKey, position - $0 + 1) } ?? firstKey
                let row = scores + i * width
                let validStart = lo - firstKey
                let validEnd = position + 1 - firstKey
                VectorMath.softmaxInPlace(row + validStart, count: validEnd - validStart)
                if validStart > 0 { row.update(repeating: 0, count: validStart) }
                if validEnd < width { (row + validEnd).update(repeating: 0, count: width - validEnd) }
                if bf16 { VectorMath.roundToBF16(row, count: width) }
            }
            BLAS.gemmAB(m: rows, n: headDim, k: width,
                        a: scores, lda: width,
                        b: v + firstKey * kvStride + kvHead * headDim, ldb: kvStride,
                        c: out + r0 * qStride + head * headDim, ldc: qStride)
            if bf16 {
                for i in 0..<rows { VectorMath.roundToBF16(out + (r0 + i) * qStride + head * headDim, count: headDim) }
            }
        }
    }
}
