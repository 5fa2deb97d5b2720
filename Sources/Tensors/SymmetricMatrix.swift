import CBLAS

/// Symmetric positive-definite linear algebra on square row-major fp32 matrices (GPTQ's Hessians),
/// through OpenBLAS (`ssyrk`) and LAPACK (`spotrf`, `spotri`).
public enum SymmetricMatrix {
    /// C[n×n] = alpha · Xᵀ X + beta · C for X[rows×n] row-major; both triangles of C are kept
    /// up to date. The rank-k update runs on the upper triangle (`ssyrk`), split into column
    /// panels across cores, then mirrored.
    public static func accumulateGram(_ x: UnsafePointer<Float>, rows: Int, n: Int,
                                      into c: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 1) {
        _ = BLAS.singleThreaded
        guard rows > 0, n > 0 else { return }
        // Panels of columns [j0, j1): the upper block rows 0..<j1 of those columns. Row panel
        // j0..<j1 is the diagonal block (ssyrk), rows 0..<j0 the off-diagonal block (sgemm).
        let panel = 128
        let panels = (n + panel - 1) / panel
        Parallel.forEach(panels) { p in
            let j0 = p * panel, j1 = min(n, j0 + panel)
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(j1 - j0), Int32(rows), alpha,
                        x + j0, Int32(n), beta, c + j0 * n + j0, Int32(n))
            if j0 > 0 {
                // C[0..<j0, j0..<j1] = alpha · X[:, 0..<j0]ᵀ X[:, j0..<j1] + beta · C
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(j0), Int32(j1 - j0), Int32(rows),
                            alpha, x, Int32(n), x + j0, Int32(n), beta, c + j0, Int32(n))
            }
        }
        mirrorUpper(c, n: n)
    }

    /// Copies the upper triangle onto the lower one.
    public static func mirrorUpper(_ c: UnsafeMutablePointer<Float>, n: Int) {
        for i in 0..<n {
            for j in 0..<i { c[i * n + j] = c[j * n + i] }
        }
    }

    /// The upper Cholesky factor U of A⁻¹ (A⁻¹ = UᵀU) for a symmetric positive-definite A,
    /// as GPTQ uses it (torch: cholesky → cholesky_inverse → cholesky(upper=True)). A is
    /// overwritten with U (zeros below the diagonal). Returns false, leaving A unspecified,
    /// when A (or its inverse, numerically) is not positive definite.
    public static func inverseCholeskyUpper(_ a: UnsafeMutablePointer<Float>, n: Int) -> Bool {
        guard n > 0 else { return true }
        let size = Int32(n)
        // Row-major 'L' is column-major 'U' of the same memory; A is symmetric, so factor the
        // lower triangle: A = L Lᵀ.
        guard LAPACKE_spotrf(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "L")), size, a, size) == 0 else { return false }
        // A⁻¹ from the factor, into the lower triangle.
        guard LAPACKE_spotri(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "L")), size, a, size) == 0 else { return false }
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) { a[i * n + j] = a[j * n + i] }
        }
        guard LAPACKE_spotrf(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "U")), size, a, size) == 0 else { return false }
        for i in 0..<n {
            for j in 0..<i { a[i * n + j] = 0 }
        }
        for i in 0..<n where !a[i * n + i].isFinite || a[i * n + i] <= 0 { return false }
        return true
    }
}
