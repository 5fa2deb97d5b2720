import Foundation
import Safetensors
import Tensors
import Testing

/// `TorchBF16Linear` against torch's CPU bf16 F.linear (fixture made by
/// scripts/make_linear_fixture.py; the inputs are regenerated here from the same integer hash).
@Suite("bf16 linear summation order")
struct LinearBF16Tests {
    static func values(rows: Int, cols: Int, salt: Int) -> Matrix {
        var data = [Float](repeating: 0, count: rows * cols)
        for i in 0..<rows {
            for k in 0..<cols {
                let h = (i * 7919 + k * 104_729 + salt * 1_299_709) % 1_000_003
                let mantissa = Float(h % 255 - 127), exponent = (h / 255) % 9
                data[i * cols + k] = mantissa * Float(sign: .plus, exponent: -exponent, significand: 1)
            }
        }
        return Matrix(rows: rows, cols: cols, data: data)
    }

    @Test(arguments: [576, 1536])
    func matchesTorch(width: Int) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/linear/bf16.safetensors")
        let expected = try SafetensorsFile(url: url).floats("y_\(width)")
        let x = Self.values(rows: 256, cols: width, salt: 1), w = Self.values(rows: 256, cols: width, salt: 2)
        var ours = TorchBF16Linear.apply(x, TorchBF16Linear.PackedWeight(w))
        ours.roundToBF16()
        var plain = BLAS.linear(x, weight: w)
        plain.roundToBF16()
        let differing = zip(ours.data, expected).filter { $0.bitPattern != $1.bitPattern }.count
        let plainDiffering = zip(plain.data, expected).filter { $0.bitPattern != $1.bitPattern }.count
        print("bf16 linear K=\(width): \(expected.count - differing)/\(expected.count) equal torch (plain GEMM order: \(expected.count - plainDiffering))")
        // SwiftQuant's own kernel fixes the order, so this holds on every CPU (no BLAS involved).
        #expect(differing == 0)
    }
}
