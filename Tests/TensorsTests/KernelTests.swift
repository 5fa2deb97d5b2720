import Foundation
import Tensors
import Testing

@Suite("Kernels")
struct KernelTests {
    @Test func vectorExpIsAccurate() {
        var worst: Double = 0
        var x: Float = -87
        while x < 88 {
            let ours = Double(VectorMath.exp(x))
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(ours - exact) / exact)
            x += 0.013
        }
        #expect(worst < 4e-7, "max relative error \(worst)")
    }

    @Test func softmaxMatchesDoublePrecision() {
        var values: [Float] = (0..<37).map { Float(sin(Double($0)) * 10) }
        let reference: [Double] = {
            let m = values.map(Double.init).max()!
            let e = values.map { Foundation.exp(Double($0) - m) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }()
        values.withUnsafeMutableBufferPointer { VectorMath.softmaxInPlace($0.baseAddress!, count: $0.count) }
        for (a, b) in zip(values, reference) { #expect(abs(Double(a) - b) < 1e-6) }
        let lse = [Float(1), 2, 3].withUnsafeBufferPointer { VectorMath.logSumExp($0.baseAddress!, count: 3) }
        let expSum: Double = Foundation.exp(1.0) + Foundation.exp(2.0) + Foundation.exp(3.0)
        let exact: Double = Foundation.log(expSum)
        #expect(abs(Double(lse) - exact) < 1e-6)
    }

    @Test func linearUsesTransposedWeightAndBias() {
        let x = Matrix(rows: 2, cols: 3, data: [1, 2, 3, 4, 5, 6])
        let w = Matrix(rows: 2, cols: 3, data: [1, 0, -1, 0.5, 0.5, 0.5])
        let y = BLAS.linear(x, weight: w, bias: [10, 20])
        let expected: [Float] = [8, 23, 8, 27.5]   // x·wᵀ + b worked by hand
        #expect(y.data == expected)
    }

    @Test func parallelChunksCoverEveryIndexOnce() {
        var hits = [Int](repeating: 0, count: 1000)
        hits.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            Parallel.chunks(1000) { range in for i in range { base[i] += 1 } }
        }
        #expect(hits.allSatisfy { $0 == 1 })
    }
}
