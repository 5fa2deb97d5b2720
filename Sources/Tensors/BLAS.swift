import CBLAS

/// Thin, typed wrappers over OpenBLAS.
public enum BLAS {
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
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Y[rows×out] = X[rows×in] · W[out×in]ᵀ (+ bias broadcast over rows).
    public static func linear(_ x: Matrix, weight: Matrix, bias: [Float]? = nil) -> Matrix {
        precondition(x.cols == weight.cols, "linear: input width \(x.cols) != weight columns \(weight.cols)")
        var y = Matrix(rows: x.rows, cols: weight.rows)
        if let bias {
            y.data.withUnsafeMutableBufferPointer { out in
                for r in 0..<x.rows {
                    (out.baseAddress! + r * weight.rows).update(from: bias, count: weight.rows)
                }
            }
        }
        let beta: Float = bias == nil ? 0 : 1
        x.data.withUnsafeBufferPointer { xp in
            weight.data.withUnsafeBufferPointer { wp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    gemmABt(m: x.rows, n: weight.rows, k: x.cols,
                            a: xp.baseAddress!, lda: x.cols, b: wp.baseAddress!, ldb: weight.cols,
                            c: yp.baseAddress!, ldc: weight.rows, beta: beta)
                }
            }
        }
        return y
    }
}
