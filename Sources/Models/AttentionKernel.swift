import Foundation
import Tensors

/// Causal grouped-query attention over row-major buffers, flash-style: work is tiled by (KV head,
/// query block); the query rows of every head sharing a KV head are stacked into one matrix, and the
/// keys are visited in chunks with an online softmax, so a tile's scores stay in cache. Tiles run in
/// parallel with single-threaded BLAS calls.
enum AttentionKernel {
    /// Query rows per tile (per head).
    static let blockRows = 64
    /// Keys per chunk: torch's CPU flash attention uses 512 (the bf16 path must visit the same chunks).
    static let keyChunk = 512

    /// out[t, h·d ..< (h+1)·d] = softmax(scale · q_t,h · K_gᵀ, causal / windowed) · V_g, g = h / (heads / kvHeads).
    /// `q`: T × (heads·d); `k`, `v`: L × (kvHeads·d) with L ≥ T; query t sits at position L − T + t.
    ///
    /// With `.sdpa` attention the arithmetic is that of torch's CPU flash attention (transformers'
    /// default); with `.eager`, that of transformers' `eager_attention_forward` (`attendEager`). In
    /// bf16 precision, sdpa is: fp32 scores; per key chunk of 512 (aligned to key 0) unnormalized exp(s − running max)
    /// rounded to bf16 for the value GEMM, fp32 running sums, the accumulator rescaled by
    /// exp(old max − new max); the output out · (1/sum) rounded to bf16 once.
    static func attend(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
        out: UnsafeMutablePointer<Float>,
        queries: Int, keys: Int, heads: Int, kvHeads: Int, headDim: Int,
        scale: Float, window: Int?, precision: ForwardPrecision = .float32
    ) {
        if precision.attention == .eager {
            attendEager(q: q, k: k, v: v, out: out, queries: queries, keys: keys, heads: heads, kvHeads: kvHeads,
                        headDim: headDim, scale: scale, window: window, bf16: precision.isBFloat16)
            return
        }
        let bf16 = precision.isBFloat16
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
            let stacked = rows * groups                 // row g·rows + i = query r0 + i of head kvHead·groups + g
            let chunk = min(keyChunk, lastKey)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: stacked * (2 * headDim + chunk + 2))
            defer { scratch.deallocate() }
            let stackedQ = scratch, accumulator = scratch + stacked * headDim
            let scores = accumulator + stacked * headDim
            let runningMax = scores + stacked * chunk, runningSum = runningMax + stacked
            runningMax.update(repeating: -.infinity, count: stacked)
            runningSum.update(repeating: 0, count: stacked)
            for g in 0..<groups {
                let column = (kvHead * groups + g) * headDim
                for i in 0..<rows {
                    (stackedQ + (g * rows + i) * headDim).update(from: q + (r0 + i) * qStride + column, count: headDim)
                }
            }
            // Chunks are aligned to multiples of keyChunk from key 0, as torch's are.
            var c0 = firstKey / keyChunk * keyChunk
            var firstChunk = true
            while c0 < lastKey {
                let start = max(c0, firstKey)
                let end = min(c0 + keyChunk, lastKey)
                let width = end - start
                BLAS.gemmABt(m: stacked, n: width, k: headDim, a: stackedQ, lda: headDim,
                             b: k + start * kvStride + kvHead * headDim, ldb: kvStride,
                             c: scores, ldc: width, alpha: scale)
                for row in 0..<stacked {
                    let position = offset + r0 + row % rows
                    let lo = window.map { max(start, position - $0 + 1) } ?? start
                    let p = scores + row * width
                    let validStart = max(0, lo - start)
                    let validEnd = min(width, position + 1 - start)
                    guard validEnd > validStart else {
                        p.update(repeating: 0, count: width)
                        continue
                    }
                    let count = validEnd - validStart
                    let previous = runningMax[row]
                    let newMax = max(previous, VectorMath.maximum(p + validStart, count: count))
                    let sum = VectorMath.expShiftedInPlace(p + validStart, count: count, shift: newMax)
                    if previous == -.infinity {
                        runningSum[row] = sum
                    } else {
                        let correction = Foundation.exp(previous - newMax)
                        runningSum[row] = sum + correction * runningSum[row]
                        if !firstChunk { VectorMath.scale(accumulator + row * headDim, count: headDim, by: correction) }
                    }
                    runningMax[row] = newMax
                    if bf16 { VectorMath.roundToBF16(p + validStart, count: count) }
                    if validStart > 0 { p.update(repeating: 0, count: validStart) }
                    if validEnd < width { (p + validEnd).update(repeating: 0, count: width - validEnd) }
                }
                BLAS.gemmAB(m: stacked, n: headDim, k: width, a: scores, lda: width,
                            b: v + start * kvStride + kvHead * headDim, ldb: kvStride,
                            c: accumulator, ldc: headDim, beta: firstChunk ? 0 : 1)
                firstChunk = false
                c0 += keyChunk
            }
            for g in 0..<groups {
                let column = (kvHead * groups + g) * headDim
                for i in 0..<rows {
                    let row = g * rows + i
                    let source = accumulator + row * headDim
                    let sum = runningSum[row]
                    VectorMath.scale(source, count: headDim, by: 1 / (sum == 0 ? 1 : sum))
                    if bf16 { VectorMath.roundToBF16(source, count: headDim) }
                    (out + (r0 + i) * qStride + column).update(from: source, count: headDim)
                }
            }
        }
    }

    /// transformers' `eager_attention_forward`, op by op: scores = q·kᵀ (fp32 accumulation, rounded
    /// to bf16 in bf16), × scale (rounded again), + the additive mask (finfo.min outside the causal
    /// window: those keys get probability exactly 0, so they are skipped), softmax in fp32 —
    /// exp(s − max), the sum, times 1/sum as torch's CPU kernel does — rounded to bf16, then
    /// probabilities · V (fp32 accumulation) rounded to bf16. Tiled by (KV head, query block) like
    /// `attend`; every row's result is independent of the tiling.
    static func attendEager(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
        out: UnsafeMutablePointer<Float>,
        queries: Int, keys: Int, heads: Int, kvHeads: Int, headDim: Int,
        scale: Float, window: Int?, bf16: Bool
    ) {
        let qStride = heads * headDim
        let kvStride = kvHeads * headDim
        let groups = heads / kvHeads
        let blocks = (queries + blockRows - 1) / blockRows
        let offset = keys - queries
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
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: stacked * (2 * headDim + width))
            defer { scratch.deallocate() }
            let stackedQ = scratch, result = scratch + stacked * headDim
            let scores = result + stacked * headDim
            for g in 0..<groups {
                let column = (kvHead * groups + g) * headDim
                for i in 0..<rows {
                    (stackedQ + (g * rows + i) * headDim).update(from: q + (r0 + i) * qStride + column, count: headDim)
                }
            }
            BLAS.gemmABt(m: stacked, n: width, k: headDim, a: stackedQ, lda: headDim,
                         b: k + firstKey * kvStride + kvHead * headDim, ldb: kvStride,
                         c: scores, ldc: width, alpha: 1)
            for row in 0..<stacked {
                let position = offset + r0 + row % rows
                let p = scores + row * width
                let lo = max(0, (window.map { position - $0 + 1 } ?? 0) - firstKey)
                let hi = position + 1 - firstKey            // exclusive; ≥ lo + 1 (the diagonal)
                let count = hi - lo
                if bf16 { VectorMath.roundToBF16(p + lo, count: count) }
                VectorMath.scale(p + lo, count: count, by: scale)
                if bf16 { VectorMath.roundToBF16(p + lo, count: count) }
                let sum = VectorMath.expShiftedInPlace(p + lo, count: count)
                VectorMath.scale(p + lo, count: count, by: 1 / sum)
                if bf16 { VectorMath.roundToBF16(p + lo, count: count) }
                if lo > 0 { p.update(repeating: 0, count: lo) }
                if hi < width { (p + hi).update(repeating: 0, count: width - hi) }
            }
            BLAS.gemmAB(m: stacked, n: headDim, k: width, a: scores, lda: width,
                        b: v + firstKey * kvStride + kvHead * headDim, ldb: kvStride,
                        c: result, ldc: headDim, beta: 0)
            if bf16 { VectorMath.roundToBF16(result, count: stacked * headDim) }
            for g in 0..<groups {
                let column = (kvHead * groups + g) * headDim
                for i in 0..<rows {
                    (out + (r0 + i) * qStride + column).update(from: result + (g * rows + i) * headDim, count: headDim)
                }
            }
        }
    }
}
