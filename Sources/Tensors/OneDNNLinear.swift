import CDNNL
import Foundation

/// bf16 Linears through oneDNN, the library PyTorch runs bf16 Linears with on a CPU: native bf16
/// instructions (AMX tiles or AVX-512 BF16), fp32 accumulation, a bf16 result. Each call runs on
/// one oneDNN thread over a fixed block of `blockRows` rows, and SwiftQuant splits the blocks across
/// its workers: a row's result then depends neither on the split nor on which other rows were
/// batched with it, so outputs are the same whatever the thread count. (Calls of varying height
/// did not have that property: oneDNN chooses its kernel blocking from the call's M, and a tiny
/// Mistral layer batched against one sequence at a time differed in 37 of 6784 bf16 values.)
///
/// The default where oneDNN has a native bf16 matmul on this CPU (its implementation name says amx
/// or avx512_core_bf16): it is torch's own arithmetic there and 2–4× faster than `TorchBF16Linear`.
/// Elsewhere, or with `SWIFTQUANT_BF16_GEMM=portable`, `TorchBF16Linear` runs, whose results are
/// the same on every CPU (oneDNN's differ between CPU kinds by a few outputs in 10^5, as torch's do).
public enum OneDNNLinear {
    /// Whether oneDNN has a native bf16 matmul on this CPU.
    public static let isSupported: Bool = sq_dnnl_bf16_native() != 0

    /// The bf16 Linear kernels `SWIFTQUANT_BF16_GEMM` selects.
    public enum Choice: String, Sendable, CaseIterable {
        /// oneDNN where it has native bf16, else the portable kernel (the default).
        case auto
        /// oneDNN; an error where it has no native bf16 on this CPU.
        case onednn
        /// `TorchBF16Linear` on every CPU (the same bits everywhere).
        case portable
    }

    /// The choice in `SWIFTQUANT_BF16_GEMM` (unset or empty: `.auto`); nil when the value is not one
    /// of `Choice`'s (`validateEnvironment()` says so).
    public static let choice: Choice? = {
        guard let text = ProcessInfo.processInfo.environment["SWIFTQUANT_BF16_GEMM"], !text.isEmpty else { return .auto }
        return Choice(rawValue: text)
    }()

    /// Whether bf16 Linears run through oneDNN in this process.
    public static let isAvailable: Bool = (choice == .auto || choice == .onednn) && isSupported

    /// A one-line message when `SWIFTQUANT_BF16_GEMM` is not usable as given: not a known value, or
    /// `onednn` on a CPU without native bf16 in oneDNN. nil when fine.
    public static func environmentProblem() -> String? {
        guard let choice else {
            let text = ProcessInfo.processInfo.environment["SWIFTQUANT_BF16_GEMM"] ?? ""
            return "SWIFTQUANT_BF16_GEMM=\(text) is not one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))"
        }
        if choice == .onednn && !isSupported {
            return "SWIFTQUANT_BF16_GEMM=onednn: oneDNN has no native bf16 matmul on this CPU (its implementation is \(implementation)); unset it or use portable"
        }
        return nil
    }

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

    /// Rows per oneDNN call. Every call has exactly this many rows (the last block of a matrix is
    /// padded with zero rows): oneDNN picks its blocking from the call's shape, so a row's result
    /// could otherwise depend on how many rows share its call — that is, on the thread count and on
    /// which sequences were batched together.
    public static let blockRows = 64

    /// y = x·Wᵀ in bf16 arithmetic (x rounded to bf16 first); nil when oneDNN failed.
    public static func apply(_ x: Matrix, _ weight: PackedWeight) -> Matrix? {
        precondition(x.cols == weight.inFeatures, "OneDNNLinear: input width \(x.cols) ≠ weight's \(weight.inFeatures)")
        let m = x.rows, n = weight.outFeatures, k = weight.inFeatures
        if m == 0 || n == 0 { return Matrix(rows: m, cols: n) }
        let block = blockRows
        let blocks = (m + block - 1) / block
        // Each worker takes whole blocks: converts their rows to bf16, runs them one block per
        // call, and widens the output rows.
        var y = Matrix(rows: m, cols: n)
        var failed = false
        x.data.withUnsafeBufferPointer { xp in
            weight.bits.withUnsafeBufferPointer { bp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    let xs = xp.baseAddress!, b = bp.baseAddress!, ys = yp.baseAddress!
                    nonisolated(unsafe) var status: Int32 = 0
                    Parallel.chunks(blocks) { range in
                        let a = UnsafeMutablePointer<UInt16>.allocate(capacity: block * k)
                        let c = UnsafeMutablePointer<UInt16>.allocate(capacity: block * n)
                        defer {
                            a.deallocate()
                            c.deallocate()
                        }
                        for index in range {
                            let first = index * block
                            let rows = min(block, m - first)
                            let source = xs + first * k
                            for i in 0..<(rows * k) { a[i] = FloatBits.floatToBF16(source[i]) }
                            if rows < block { (a + rows * k).initialize(repeating: 0, count: (block - rows) * k) }
                            let s = sq_dnnl_bf16_linear(Int64(block), Int64(n), Int64(k), a, Int64(k), b, c, Int64(n))
                            if s != 0 { status = s }
                            let target = ys + first * n
                            for i in 0..<(rows * n) { target[i] = FloatBits.bf16ToFloat(c[i]) }
                        }
                    }
                    failed = status != 0
                }
            }
        }
        return failed ? nil : y
    }
}
