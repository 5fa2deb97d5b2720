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

    /// oneDNN (where the CPU has native bf16) against the same torch fixture. torch's own bf16 results
    /// move by a few outputs in 10^5 between CPUs (the fixture's machine and an AMX Xeon differ in
    /// 0.008 % at K = 576); on the AMX Xeon oneDNN equals torch run there on every output
    /// (scripts/interop/onednn_vs_torch.py). So: nearly all equal, the rest off by what a different
    /// fp32 summation order gives (outputs near zero after cancellation move by several bf16 steps).
    @Test(arguments: [576, 1536])
    func oneDNNMatchesTorchWhereItRuns(width: Int) throws {
        let x = Self.values(rows: 256, cols: width, salt: 1), w = Self.values(rows: 256, cols: width, salt: 2)
        guard OneDNNLinear.isSupported else {
            let impl = OneDNNLinear.implementation
            #expect(!impl.contains("amx") && !impl.contains("avx512_core_bf16"), "oneDNN has a native bf16 matmul (\(impl)) but it is not detected")
            return
        }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/linear/bf16.safetensors")
        let expected = try SafetensorsFile(url: url).floats("y_\(width)")
        let ours = try #require(OneDNNLinear.apply(x, OneDNNLinear.PackedWeight(w)))
        var differing = 0, farthest: Float = 0
        let scale = expected.map(abs).max() ?? 1
        for (a, b) in zip(ours.data, expected) where a.bitPattern != b.bitPattern {
            differing += 1
            farthest = max(farthest, abs(a - b))
        }
        print("oneDNN bf16 linear K=\(width) (\(OneDNNLinear.implementation)): \(expected.count - differing)/\(expected.count) equal the torch fixture")
        #expect(Double(differing) <= 1e-3 * Double(expected.count))
        #expect(farthest <= 1e-3 * scale, "an output is \(farthest) from torch's (outputs up to \(scale))")
    }

    /// One oneDNN thread per fixed-height call: a row's result does not depend on how many rows share
    /// the matrix nor on how they are split across workers (runs only where oneDNN has native bf16).
    @Test(.enabled(if: OneDNNLinear.isSupported, "oneDNN has no native bf16 matmul on this CPU"))
    func oneDNNRowsDoNotDependOnTheSplit() throws {
        let x = Self.values(rows: 300, cols: 576, salt: 3), w = Self.values(rows: 96, cols: 576, salt: 4)
        let packed = OneDNNLinear.PackedWeight(w)
        let whole = try #require(OneDNNLinear.apply(x, packed))
        for cut in [1, 37, 150, 299] {
            let top = try #require(OneDNNLinear.apply(Matrix(rows: cut, cols: 576, data: Array(x.data[0..<(cut * 576)])), packed))
            let bottom = try #require(OneDNNLinear.apply(Matrix(rows: 300 - cut, cols: 576, data: Array(x.data[(cut * 576)...])), packed))
            #expect(top.data + bottom.data == whole.data, "split at row \(cut)")
        }
    }
}
