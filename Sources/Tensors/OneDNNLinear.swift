import CDNNL
import Foundation

/// bf16 Linears through oneDNN, the library PyTorch runs bf16 Linears with on a CPU: native bf16
/// instructions (AMX tiles or AVX-512 BF16), fp32 accumulation, a bf16 result. Each call runs on
/// one oneDNN thread and SwiftQuant splits the rows across its workers; with one thread a row's
/// result does not depend on the split, so outputs are the same whatever the thread count.
///
/// Chosen at run time: only when oneDNN has a native bf16 matmul on this CPU (its implementation
/// name says amx or avx512_core_bf16). Elsewhere (AVX2-only CPUs) `TorchBF16Linear` runs instead.
/// `SWIFTQUANT_BF16_GEMM=own` forces `TorchBF16Linear` (for comparisons).
public enum OneDNNLinear {
    /// Whether bf16 Linears run through oneDNN in this process.
    public static let isAvailable: Bool = {
        if ProcessInfo.processInfo.environment["SWIFTQUANT_BF16_GEMM"] == "own" { return false }
        return sq_dnnl_bf16_native() != 0
    }()

    /// The oneDNN implementation of a bf16 matmul on this CPU (e.g. `brg:avx512_core_amx_bf16`).
    public static var implementation: String { String(cString: sq_dnnl_bf16_impl()) }

    /// A weight (out × in) as bf16 bits, converted once per layer.
    public struct PackedWeight: Sendable {
        public let outFeatures: Int
        public let inFeatures: Int
        let bits: [UInt16]

        /// Converts an fp32 weight (values rounded to bf16, to nearest even).
        public init(_ weight: Matrix) {
            outFeatures = weight.rows
            inFeatures = weight.cols
            bits = weight.data.map(FloatBits.floatToBF16)
        }
    }

    /// y = x·Wᵀ in bf16 arithmetic (x rounded to bf16 first); nil when oneDNN failed.
    public static func apply(_ x: Matrix, _ weight: PackedWeight) -> Matrix? {
        precondition(x.cols == weight.inFeatures, "OneDNNLinear: input width \(x.cols) ≠ weight's \(weight.inFeatures)")
        let m = x.rows, n = weight.outFeatures, k = weight.inFeatures
        if m == 0 || n == 0 { return Matrix(rows: m, cols: n) }
        let input = x.data.map(FloatBits.floatToBF16)
        var output = [UInt16](repeating: 0, count: m * n)
        var failed = false
        input.withUnsafeBufferPointer { ap in
            weight.bits.withUnsafeBufferPointer { bp in
                output.withUnsafeMutableBufferPointer { cp in
                    let a = ap.baseAddress!, b = bp.baseAddress!, c = cp.baseAddress!
                    nonisolated(unsafe) var status: Int32 = 0
                    Parallel.chunks(m, minimumChunk: 32) { rows in
                        let s = sq_dnnl_bf16_linear(Int64(rows.count), Int64(n), Int64(k), a + rows.lowerBound * k, Int64(k),
                                                    b, c + rows.lowerBound * n, Int64(n))
                        if s != 0 { status = s }
                    }
                    failed = status != 0
                }
            }
        }
        if failed { return nil }
        return Matrix(rows: m, cols: n, data: output.map { Float(bitPattern: UInt32($0) << 16) })
    }
}
