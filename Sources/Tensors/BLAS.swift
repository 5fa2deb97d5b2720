import CBLAS

/// Thin, typed wrappers over OpenBLAS.
public enum BLAS {
    /// OpenBLAS is kept single-threaded: SwiftQuant splits work across cores itself, and OpenBLAS
    /// threads would oversubscribe the cores when several GEMMs run at once. Touched by every wrapper.
    public static let singleThreaded: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// Sets the number of OpenBLAS worker threads (process-wide).
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }

    /// Current number of OpenBLAS worker threads.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// C[m×n] = alpha · A[m×k] · B[n×k]ᵀ + beta · C, all row-major with explicit leading dimensions.
    @inlinable
    public static func gemmABt(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float = 1, beta: Float = 0
    ) {
        _ = singleThreaded
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// C[m×n] = alpha · A[m×k] · B[k×n] + beta · C, all row-major with explicit leading dimensions.
    @inlinable
    public static func gemmAB(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float = 1, beta: Float = 0
    ) {
        _ = singleThreaded
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// C[m×n] = alpha · A[k×m]ᵀ · B[k×n] + beta · C (used to accumulate XᵀX).
    @inlinable
    public static func gemmAtB(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float = 1, beta: Float = 0
    ) {
        _ = singleThreaded
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Y[rows×out] = X[rows×in] · W[out×in]ᵀ (+ bias broadcast over rows).
    /// OpenBLAS runs single-threaded; the work is split across cores here, by rows of X when
    /// there are enough of them, otherwise by rows of W.
    public static func linear(_ x: Matrix, weight: Matrix, bias: [Float]? = nil) -> Matrix {
        precondition(x.cols == weight.cols, "linear: input width \(x.cols) != weight columns \(weight.cols)")
        let m = x.rows, n = weight.rows, k = x.cols
        if m == 0 || n == 0 || k == 0 {
            var y = Matrix(rows: m, cols: n)
            if let bias { for r in 0..<m { for j in 0..<n { y.data[r * n + j] = bias[j] } } }
            return y
        }
        return Matrix(rows: m, cols: n) { out in
            let c = out.baseAddress!
            var beta: Float = 0
            if let bias {
                for r in 0..<m { (c + r * n).initialize(from: bias, count: n) }
                beta = 1
            }
            x.data.withUnsafeBufferPointer { xp in
                weight.data.withUnsafeBufferPointer { wp in
                    let a = xp.baseAddress!, b = wp.baseAddress!
                    // Split the larger side: each worker packs the other operand whole. (OpenBLAS's own
                    // threading measured 5-15 % faster on these GEMMs alone, but its workers keep
                    // spinning afterwards and slow the attention tiles that follow by as much.)
                    if m >= 32 * Parallel.activeWorkers && m >= n {
                        Parallel.chunks(m, minimumChunk: 32) { rows in
                            gemmABt(m: rows.count, n: n, k: k, a: a + rows.lowerBound * k, lda: k, b: b, ldb: k,
                                    c: c + rows.lowerBound * n, ldc: n, beta: beta)
                        }
                    } else {
                        Parallel.chunks(n, minimumChunk: 256) { cols in
                            gemmABt(m: m, n: cols.count, k: k, a: a, lda: k, b: b + cols.lowerBound * k, ldb: k,
                                    c: c + cols.lowerBound, ldc: n, beta: beta)
                        }
                    }
                }
            }
        }
    }
}

extension BLAS {
    /// x·Wᵀ in the fp32 summation order of torch's CPU bf16 `F.linear` (oneDNN, bf16 emulated with
    /// fp32 FMAs, as measured with torch 2.13 on AVX-512 without avx512_bf16): the input width is cut
    /// into two halves; within a half, products are accumulated pair by pair, the odd element of each
    /// pair first (VDPBF16PS order); the two halves' sums are then added. Reproduced here by swapping
    /// the columns of each pair and running one GEMM per half (OpenBLAS accumulates a K block in order).
    /// Widths not divisible by 4 use `linear`. Round the result to bf16 afterwards.
    /// `pairSwappedWeight` is `pairSwapped(weight)` when the caller keeps it (a layer's weight is the
    /// same for every calibration sample); otherwise it is computed here.
    public static func linearTorchBF16Order(_ x: Matrix, weight: Matrix, pairSwappedWeight: Matrix? = nil) -> Matrix {
        let m = x.rows, n = weight.rows, k = x.cols
        guard k % 4 == 0, m > 0, n > 0 else { return linear(x, weight: weight) }
        let ws = pairSwappedWeight ?? pairSwapped(weight)
        precondition(ws.rows == n && ws.cols == k, "linearTorchBF16Order: pair-swapped weight has the wrong shape")
        let xs = pairSwapped(x)
        let half = k / 2
        return Matrix(rows: m, cols: n) { out in
            let c = out.baseAddress!
            xs.data.withUnsafeBufferPointer { xp in
                ws.data.withUnsafeBufferPointer { wp in
                    let a = xp.baseAddress!, b = wp.baseAddress!
                    Parallel.chunks(m, minimumChunk: 16) { rows in
                        for (offset, beta) in [(0, Float(0)), (half, Float(1))] {
                            gemmABt(m: rows.count, n: n, k: half, a: a + rows.lowerBound * k + offset, lda: k,
                                    b: b + offset, ldb: k, c: c + rows.lowerBound * n, ldc: n, beta: beta)
                        }
                    }
                }
            }
        }
    }

    /// `a` with the two columns of every pair (0↔1, 2↔3, …) exchanged; an odd last column stays.
    public static func pairSwapped(_ a: Matrix) -> Matrix {
        Matrix(rows: a.rows, cols: a.cols) { out in
            a.data.withUnsafeBufferPointer { src in
                let s = src.baseAddress!, d = out.baseAddress!
                Parallel.chunks(a.rows, minimumChunk: 64) { rows in
                    for r in rows {
                        let row = r * a.cols
                        var c = 0
                        while c + 1 < a.cols { d[row + c] = s[row + c + 1]; d[row + c + 1] = s[row + c]; c += 2 }
                        if c < a.cols { d[row + c] = s[row + c] }
                    }
                }
            }
        }
    }
}
