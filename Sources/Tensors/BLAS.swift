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
                    // Split the larger side into blocks of a fixed size, whatever the number of
                    // workers, so every output element comes from the same sgemm call shape and
                    // results do not depend on the thread count. Each block packs the other
                    // operand whole. (OpenBLAS's own threading measured 5-15 % faster on these
                    // GEMMs alone, but its workers keep spinning afterwards and slow the attention
                    // tiles that follow by as much.)
                    if m >= 64 && m >= n {
                        let block = 128
                        Parallel.forEach((m + block - 1) / block) { index in
                            let r0 = index * block, rows = min(block, m - r0)
                            gemmABt(m: rows, n: n, k: k, a: a + r0 * k, lda: k, b: b, ldb: k,
                                    c: c + r0 * n, ldc: n, beta: beta)
                        }
                    } else {
                        let block = 512
                        Parallel.forEach((n + block - 1) / block) { index in
                            let c0 = index * block, cols = min(block, n - c0)
                            gemmABt(m: m, n: cols, k: k, a: a, lda: k, b: b + c0 * k, ldb: k,
                                    c: c + c0, ldc: n, beta: beta)
                        }
                    }
                }
            }
        }
    }
}
