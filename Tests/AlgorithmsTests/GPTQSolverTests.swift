import Algorithms
import Quantization
import Tensors
import Testing

/// A deterministic pseudo-random generator (SplitMix64), so failures reproduce.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func matrix(_ rows: Int, _ cols: Int, scale: Float = 1) -> Matrix {
        Matrix(rows: rows, cols: cols, data: (0..<(rows * cols)).map { _ in Float.random(in: -scale...scale, using: &self) })
    }
    /// Correlated inputs, as real activations are: 8 shared components mixed into every column, plus noise.
    mutating func correlatedInputs(_ rows: Int, _ cols: Int) -> Matrix {
        let base = matrix(rows, 8)
        let mix = matrix(8, cols)
        var x = matrix(rows, cols, scale: 0.3)
        for r in 0..<rows { for c in 0..<cols { for k in 0..<8 { x[r, c] += base[r, k] * mix[k, c] } } }
        return x
    }
}

/// H = 2/n · XᵀX computed naively in Double.
func naiveHessian(_ x: Matrix, samples: Int) -> [Float] {
    let n = x.cols
    var h = [Float](repeating: 0, count: n * n)
    for i in 0..<n {
        for j in 0..<n {
            var s: Double = 0
            for r in 0..<x.rows { s += Double(x[r, i]) * Double(x[r, j]) }
            h[i * n + j] = Float(2 * s / Double(samples))
        }
    }
    return h
}

/// ‖X Wᵀ − X Ŵᵀ‖² in Double.
func outputError(_ x: Matrix, _ w: Matrix, _ approx: Matrix) -> Double {
    var total: Double = 0
    for r in 0..<x.rows {
        for o in 0..<w.rows {
            var d: Double = 0
            for c in 0..<w.cols { d += Double(x[r, c]) * Double(w[o, c] - approx[o, c]) }
            total += d * d
        }
    }
    return total
}

@Suite struct GPTQSolverTests {
    let int4Group = QuantizationArgs(numBits: 4, type: .int, symmetric: true, groupSize: 32, strategy: .group)

    @Test func identityHessianEqualsRoundToNearest() throws {
        var random = SeededRandom(1)
        let w = random.matrix(24, 96)
        var identity = [Float](repeating: 0, count: 96 * 96)
        for i in 0..<96 { identity[i * 96 + i] = 1 }
        for args in [int4Group, QuantizationArgs(numBits: 8, type: .int, symmetric: false, strategy: .channel)] {
            let rtn = try WeightQuantizer.quantize(w, args: args, dtype: .float32)
            for ordering in [GPTQSolver.Ordering.none, .weight] {
                let solved = try GPTQSolver.solve(weight: w, hessian: identity, args: args, dtype: .float32,
                                                  options: .init(ordering: ordering))
                #expect(solved.quantized.values == rtn.values)
                #expect(solved.quantized.scales == rtn.scales)
                #expect(solved.quantized.zeroPoints == rtn.zeroPoints)
                #expect(solved.dequantized == rtn.dequantized())
            }
        }
    }

    @Test func inverseCholeskyMatchesReference() throws {
        var random = SeededRandom(2)
        let n = 40
        let b = random.matrix(60, n)
        var a = naiveHessian(b, samples: 2)  // BᵀB: symmetric positive definite
        for i in 0..<n { a[i * n + i] += 0.1 }
        let original = a
        let ok = a.withUnsafeMutableBufferPointer { SymmetricMatrix.inverseCholeskyUpper($0.baseAddress!, n: n) }
        #expect(ok)
        // U is upper triangular with a positive diagonal, and A · (UᵀU) = I.
        var worst: Double = 0
        for i in 0..<n {
            #expect(a[i * n + i] > 0)
            for j in 0..<i { #expect(a[i * n + j] == 0) }
        }
        for i in 0..<n {
            for j in 0..<n {
                var s: Double = 0
                for k in 0..<n {
                    var inv: Double = 0  // (UᵀU)[k, j]
                    for m in 0...min(k, j) { inv += Double(a[m * n + k]) * Double(a[m * n + j]) }
                    s += Double(original[i * n + k]) * inv
                }
                worst = max(worst, abs(s - (i == j ? 1 : 0)))
            }
        }
        #expect(worst < 1e-3, "max |A·A⁻¹ − I| = \(worst)")
    }

    @Test func gramMatchesNaiveSum() {
        var random = SeededRandom(3)
        for (rows, n) in [(7, 5), (300, 130), (64, 257)] {
            let x = random.matrix(rows, n)
            var c = [Float](repeating: 0, count: n * n)
            c.withUnsafeMutableBufferPointer { SymmetricMatrix.accumulateGram(x.data, rows: rows, n: n, into: $0.baseAddress!) }
            let reference = naiveHessian(x, samples: 2)
            var worst: Float = 0
            for i in 0..<(n * n) { worst = max(worst, abs(c[i] - reference[i])) }
            #expect(worst < 1e-3, "rows \(rows) n \(n): max difference \(worst)")
            for i in 0..<n { for j in 0..<n { #expect(c[i * n + j] == c[j * n + i]) } }
        }
    }

    @Test func gptqLowersTheOutputErrorOfRoundToNearest() throws {
        var random = SeededRandom(4)
        let x = random.correlatedInputs(256, 128)
        let w = random.matrix(48, 128)
        let accumulator = HessianAccumulator(width: 128)
        accumulator.add(x, samples: 4)
        let hessian = accumulator.hessian()
        let rtn = try WeightQuantizer.quantize(w, args: int4Group, dtype: .float32).dequantized()
        for ordering in [GPTQSolver.Ordering.none, .weight, .group] {
            let solved = try GPTQSolver.solve(weight: w, hessian: hessian, args: int4Group, dtype: .float32,
                                              options: .init(ordering: ordering))
            let gptqError = outputError(x, w, solved.dequantized), rtnError = outputError(x, w, rtn)
            #expect(gptqError < 0.8 * rtnError, "\(ordering): GPTQ \(gptqError) vs RTN \(rtnError)")
            // The stored form dequantizes to the weight the layer computes with (g_idx included).
            #expect(solved.quantized.dequantized() == solved.dequantized)
            #expect((solved.quantized.groupIndex != nil) == (ordering == .group))
        }
    }

    @Test func deadColumnsQuantizeToZero() throws {
        var random = SeededRandom(5)
        var x = random.matrix(64, 64)
        for r in 0..<64 { x[r, 3] = 0; x[r, 40] = 0 }
        let w = random.matrix(8, 64)
        let solved = try GPTQSolver.solve(weight: w, hessian: naiveHessian(x, samples: 1), args: int4Group, dtype: .float32)
        for r in 0..<8 {
            #expect(solved.dequantized[r, 3] == 0)
            #expect(solved.dequantized[r, 40] == 0)
        }
    }

    @Test func notPositiveDefiniteIsAnError() {
        let n = 16
        var h = [Float](repeating: 0, count: n * n)
        for i in 0..<n { h[i * n + i] = -1 }
        h[0] = 20  // mean diagonal 0.3125: dampening up to 1.0 × 0.3125 cannot lift the −1 entries
        var random = SeededRandom(6)
        #expect(throws: GPTQSolver.SolveError.self) {
            try GPTQSolver.solve(weight: random.matrix(4, n), hessian: h, args: int4Group.with(groupSize: 16), dtype: .float32)
        }
    }

    @Test func retriesWithMoreDampening() throws {
        // Positive diagonal, but indefinite: eigenvalues 1 ± 1.05. Dampening 0.01 (of mean 1)
        // is not enough; 0.1 is.
        let n = 2
        let h: [Float] = [1, 1.05, 1.05, 1]
        var random = SeededRandom(7)
        let args = QuantizationArgs(numBits: 4, type: .int, symmetric: true, strategy: .channel)
        let solved = try GPTQSolver.solve(weight: random.matrix(3, n), hessian: h, args: args, dtype: .float32)
        #expect(solved.dampeningFraction == 0.1)
    }
}

extension QuantizationArgs {
    func with(groupSize: Int) -> QuantizationArgs {
        var copy = self
        copy.groupSize = groupSize
        return copy
    }
}
