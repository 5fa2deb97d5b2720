import Quantization
import Tensors

/// GPTQ for one Linear (Frantar et al. 2022, §3.4), with llm-compressor 0.14's arithmetic:
/// qparams from the observer on the original weight, fixed during the solve; dead columns
/// zeroed; dampening `fraction × mean(diag H)`; the upper Cholesky factor of H⁻¹; column blocks
/// with the error of each block applied to the later columns in one GEMM ("lazy batch updates").
/// The solve runs in fp32 with the stored (model-dtype) scales, and the integers it chooses are the
/// ones stored. Two deliberate differences from llm-compressor for bf16 models, which change
/// nothing for fp32 ones (stories260K is bit-identical): llm-compressor rounds each dequantized
/// column (q − zp)·scale to bf16 inside the error feedback, and its compressor quantizes the final
/// bf16 weight again (int8: occasionally q ± 1). A checkpoint is dequantized as (q − zp)·scale,
/// exactly in fp32 evaluation, so SwiftQuant compensates the error of exactly that value and keeps
/// q (SmolLM2 W4A16 g64 C(64, 512): perplexity 47.4994 this way, 47.7628 with the bf16 rounding).
/// Rows are independent given H⁻¹, so the in-block work is split by rows across cores.
public enum GPTQSolver {
    /// The order columns are quantized in.
    public enum Ordering: Sendable, Equatable {
        /// Column order.
        case none
        /// Descending Hessian diagonal, each column keeping the group of its original position
        /// (compressed-tensors `actorder: weight`, alias `static`): the output format is unchanged.
        case weight
        /// Descending Hessian diagonal with groups formed in that order; the group of every
        /// column is written as `weight_g_idx`.
        case group
    }

    /// Settings of one solve.
    public struct Options: Sendable, Equatable {
        public var blockSize: Int
        /// Dampening as a fraction of the mean Hessian diagonal.
        public var dampeningFraction: Float
        public var ordering: Ordering
        /// Dampening fractions tried, in order, when H + damping is not positive definite.
        public var retryFractions: [Float]
        /// Whose qparams and rounding the solve uses.
        public var arithmetic: Arithmetic = .compressedTensors

        /// llm-compressor's defaults: block 128, dampening 0.01, weight ordering; retries at 0.1 and 1.
        public init(blockSize: Int = 128, dampeningFraction: Float = 0.01, ordering: Ordering = .weight,
                    retryFractions: [Float] = [0.1, 1.0]) {
            self.blockSize = blockSize
            self.dampeningFraction = dampeningFraction
            self.ordering = ordering
            self.retryFractions = retryFractions
        }
    }

    /// What a solve produced.
    public struct Result: Sendable {
        /// The quantized weight (values in original column order, scales in the model dtype).
        public var quantized: QuantizedWeight
        /// The dequantized weight, rounded to the model dtype: what the layer computes with afterwards.
        public var dequantized: Matrix
        /// llm-compressor's loss: Σ (w − q)² / d² / 2 over all elements.
        public var loss: Double
        /// The dampening fraction that made H positive definite.
        public var dampeningFraction: Float
    }

    /// Whose GPTQ the solve is.
    public enum Arithmetic: Sendable, Equatable {
        /// llm-compressor 0.14: qparams observed once on the original weight, compressed-tensors
        /// rounding.
        case compressedTensors
        /// msModelSlim 26.1.0 (formats.md §2.7): each group's qparams (min/max, msModelSlim's
        /// arithmetic) taken from the weight as it stands at the start of the 128-column block
        /// holding the group's first column, so groups of the first block use the original weight;
        /// msModelSlim's rounding (rne(x/s + offset), clamp).
        case modelSlim
    }

    /// Errors of a solve.
    public enum SolveError: Error, Equatable {
        /// H + damping stayed not positive definite for every fraction tried.
        case notPositiveDefinite(fractions: [Float])
        /// msModelSlim's GPTQ has no activation ordering.
        case orderingWithModelSlimArithmetic
    }

    /// Quantizes `weight` (out × in) with the Hessian `hessian` (in × in, row-major, 2/n Σ x xᵀ).
    /// `dtype` is the model dtype: qparams are observed in it (they equal round-to-nearest's scales
    /// bit for bit, as llm-compressor's GPTQ checkpoints show) and the solve quantizes with exactly
    /// the scales that are stored; the dequantized weight is rounded to it.
    public static func solve(weight: Matrix, hessian: [Float], args: QuantizationArgs, dtype: ComputeDType,
                             options: Options = Options()) throws -> Result {
        let observerDType = dtype
        let rows = weight.rows, n = weight.cols
        precondition(hessian.count == n * n, "GPTQ: Hessian has \(hessian.count) values for \(n) columns")
        let strategy = args.resolvedStrategy
        let groupSize = strategy == .group ? (args.groupSize ?? n) : n
        var w = weight
        var h = hessian

        // Ordering (only meaningful for groups in llm-compressor; the math holds for any strategy).
        var perm = Array(0..<n)
        let ordering = options.ordering
        if options.arithmetic == .modelSlim && ordering != .none { throw SolveError.orderingWithModelSlimArithmetic }
        if ordering != .none {
            let diag = (0..<n).map { h[$0 * n + $0] }
            perm.sort { diag[$0] != diag[$1] ? diag[$0] > diag[$1] : $0 < $1 }
        }
        // qparams: for `group` ordering on the permuted weight, otherwise on the original one.
        let observed: (scales: [Float], zeroPoints: [Float], rows: Int, cols: Int)
        if ordering == .group {
            observed = try WeightQuantizer.observe(permuteColumns(w, perm), args: args, dtype: observerDType)
        } else {
            observed = try WeightQuantizer.observe(w, args: args, dtype: observerDType)
        }
        if ordering != .none {
            w = permuteColumns(w, perm)
            h = permuteSymmetric(h, n: n, perm)
        }
        // The scale column of each processed (permuted) column.
        let scaleColumnOf: [Int] = (0..<n).map { k in
            switch strategy {
            case .group: return (ordering == .weight ? perm[k] : k) / groupSize
            default: return 0
            }
        }

        // Dead columns: no signal, quantize to zero.
        for j in 0..<n where h[j * n + j] == 0 {
            h[j * n + j] = 1
            for r in 0..<rows { w.data[r * n + j] = 0 }
        }

        // Dampening, retried with larger fractions when the factorization fails.
        var meanDiag: Double = 0
        for j in 0..<n { meanDiag += Double(h[j * n + j]) }
        meanDiag /= Double(max(n, 1))
        var hinv: [Float] = []
        var usedFraction: Float?
        for fraction in [options.dampeningFraction] + options.retryFractions {
            var attempt = h
            let damp = fraction * Float(meanDiag)
            for j in 0..<n { attempt[j * n + j] += damp }
            let ok = attempt.withUnsafeMutableBufferPointer { SymmetricMatrix.inverseCholeskyUpper($0.baseAddress!, n: n) }
            if ok {
                hinv = attempt
                usedFraction = fraction
                break
            }
        }
        guard let usedFraction else {
            throw SolveError.notPositiveDefinite(fractions: [options.dampeningFraction] + options.retryFractions)
        }

        let scaleRows = observed.rows, scaleCols = observed.cols
        let modelSlim = options.arithmetic == .modelSlim
        var scales = observed.scales, zeroPoints = observed.zeroPoints
        let bits = args.numBits
        var values = [Float](repeating: 0, count: rows * n)
        var lossPerRow = [Double](repeating: 0, count: rows)
        let block = max(1, options.blockSize)
        var errors = [Float](repeating: 0, count: rows * block)
        w.data.withUnsafeMutableBufferPointer { wp in
            hinv.withUnsafeBufferPointer { hp in
                values.withUnsafeMutableBufferPointer { vp in
                    errors.withUnsafeMutableBufferPointer { ep in
                        lossPerRow.withUnsafeMutableBufferPointer { lp in
                          scales.withUnsafeMutableBufferPointer { sp in
                            zeroPoints.withUnsafeMutableBufferPointer { zp in
                            let W = wp.baseAddress!, H = hp.baseAddress!, V = vp.baseAddress!, E = ep.baseAddress!
                            let L = lp.baseAddress!
                            var i1 = 0
                            while i1 < n {
                                let i2 = min(i1 + block, n), count = i2 - i1
                                let S = sp.baseAddress!, Z = zp.baseAddress!
                                Parallel.chunks(rows, minimumChunk: 8) { range in
                                    for r in range {
                                        let row = W + r * n
                                        let scaleRow = scaleRows == 1 ? 0 : r
                                        if modelSlim {
                                            // The groups whose first column lies in this block, from the
                                            // weight as it stands now.
                                            var g = (i1 + groupSize - 1) / groupSize
                                            while g * groupSize < i2 {
                                                let lo = g * groupSize, hi = min(n, lo + groupSize)
                                                var mn = Float.infinity, mx = -Float.infinity
                                                for c in lo..<hi { mn = min(mn, row[c]); mx = max(mx, row[c]) }
                                                let q = ModelSlimArithmetic.qparams(min: mn, max: mx, bits: bits, symmetric: args.symmetric, dtype: observerDType)
                                                S[scaleRow * scaleCols + g] = q.scale
                                                Z[scaleRow * scaleCols + g] = q.zeroPoint
                                                g += 1
                                            }
                                        }
                                        var rowLoss: Double = 0
                                        for i in 0..<count {
                                            let col = i1 + i
                                            let x = row[col]
                                            let d = H[col * n + col]
                                            let index = scaleRow * scaleCols + scaleColumnOf[col]
                                            let qp = QParams(scale: S[index], zeroPoint: Z[index])
                                            let q = modelSlim ? ModelSlimArithmetic.quantize(x, qp, bits: bits, dtype: .float32)
                                                : QuantArithmetic.quantize(x, qp, args: args, dtype: .float32)
                                            let deq = modelSlim ? ModelSlimArithmetic.dequantize(q, qp, dtype: .float32)
                                                : QuantArithmetic.dequantize(q, qp, dtype: .float32)
                                            V[r * n + col] = q
                                            let diff = x - deq
                                            rowLoss += Double(diff * diff / (d * d))
                                            let err = diff / d
                                            // W1[:, i:] -= err ⊗ Hinv1[i, i:] (product, then difference, as torch).
                                            let hrow = H + col * n
                                            for j in (col + 1)..<max(col + 1, i2) { row[j] -= err * hrow[j] }
                                            row[col] = deq
                                            E[r * block + i] = err
                                        }
                                        L[r] += rowLoss / 2
                                    }
                                }
                                if i2 < n {
                                    // W[:, i2:] -= Err · Hinv[i1:i2, i2:], in row blocks of a fixed size so
                                    // the result does not depend on the number of workers.
                                    let rowBlock = 64
                                    Parallel.forEach((rows + rowBlock - 1) / rowBlock) { index in
                                        let r0 = index * rowBlock, m = min(rowBlock, rows - r0)
                                        BLAS.gemmAB(m: m, n: n - i2, k: count,
                                                    a: E + r0 * block, lda: block,
                                                    b: H + i1 * n + i2, ldb: n,
                                                    c: W + r0 * n + i2, ldc: n, alpha: -1, beta: 1)
                                    }
                                }
                                i1 = i2
                            }
                            }
                          }
                        }
                    }
                }
            }
        }

        // Back to the original column order.
        var groupIndex: [Int32]? = nil
        if ordering != .none {
            var inverse = [Int](repeating: 0, count: n)
            for (k, j) in perm.enumerated() { inverse[j] = k }
            w = permuteColumns(w, inverse)
            values = permuteColumns(Matrix(rows: rows, cols: n, data: values), inverse).data
            if ordering == .group, strategy == .group {
                groupIndex = (0..<n).map { Int32(inverse[$0] / groupSize) }
            }
        }
        // The layer computes with the weight in its own dtype afterwards.
        for i in w.data.indices { w.data[i] = dtype.round(w.data[i]) }
        let quantized = QuantizedWeight(rows: rows, cols: n, args: args, dtype: dtype, values: values, scales: scales,
                                        zeroPoints: zeroPoints, scaleRows: scaleRows, scaleCols: scaleCols,
                                        groupIndex: groupIndex)
        return Result(quantized: quantized, dequantized: w, loss: lossPerRow.reduce(0, +), dampeningFraction: usedFraction)
    }

    /// Columns of `m` in the order `order` (new column k = old column order[k]).
    static func permuteColumns(_ m: Matrix, _ order: [Int]) -> Matrix {
        let cols = m.cols
        return Matrix(rows: m.rows, cols: cols) { out in
            m.data.withUnsafeBufferPointer { src in
                for r in 0..<m.rows {
                    for k in 0..<cols { out[r * cols + k] = src[r * cols + order[k]] }
                }
            }
        }
    }

    /// H[perm][:, perm].
    static func permuteSymmetric(_ h: [Float], n: Int, _ order: [Int]) -> [Float] {
        var out = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n { out[i * n + j] = h[order[i] * n + order[j]] }
        }
        return out
    }
}
