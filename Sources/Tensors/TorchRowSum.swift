/// The sum of one contiguous fp32 row in the order PyTorch's CPU `sum(dim=-1)` adds it (aten's
/// `vectorized_inner_sum`): the row is read as 8-lane vectors; groups of 4 vectors go through the
/// `multi_row_sum` cascade (4 accumulators, levels of 2^p groups, p = max(4, ⌈log2 groups⌉ / 4));
/// vectors left over after the last full group are added to accumulator 0; the 4 accumulators are
/// added in order; the final scalar starts from the elements past the last full vector, then adds
/// the 8 lanes in order. Matching it makes RMSNorm's variance, and so its output, bit-identical to
/// transformers' `hidden.pow(2).mean(-1)` (checked against torch 2.13 for widths 8 … 12345).
public enum TorchRowSum {
    private typealias V = SIMD8<Float>
    private static let ilp = 4
    private static let levels = 4

    /// Σ x[i] (or Σ x[i]² when `squared`: each square rounded to fp32 first, as `pow(2)` does).
    public static func sum(_ x: UnsafePointer<Float>, count: Int, squared: Bool = false) -> Float {
        @inline(__always) func load(_ i: Int) -> V {
            let v = UnsafeRawPointer(x + i * 8).loadUnaligned(as: V.self)
            return squared ? v * v : v
        }
        @inline(__always) func element(_ i: Int) -> Float { squared ? x[i] * x[i] : x[i] }
        let vectors = count / 8
        var total: Float = 0
        for k in (vectors * 8)..<max(count, vectors * 8) { total += element(k) }
        guard vectors > 0 else { return total }
        let groups = vectors / ilp
        return withUnsafeTemporaryAllocation(of: V.self, capacity: levels * ilp) { buffer -> Float in
            // acc[level * ilp + k]: accumulator k of a level (no allocation per row).
            guard let acc = buffer.baseAddress else { return total }
            acc.initialize(repeating: V(repeating: 0), count: levels * ilp)
            var log2 = 0
            while (1 << log2) < groups { log2 += 1 }
            let power = max(4, log2 / levels)
            let step = 1 << power, mask = step - 1
            var i = 0
            while i + step <= groups {
                for _ in 0..<step {
                    for k in 0..<ilp { acc[k] += load(i * ilp + k) }
                    i += 1
                }
                for j in 1..<levels {
                    for k in 0..<ilp {
                        acc[j * ilp + k] += acc[(j - 1) * ilp + k]
                        acc[(j - 1) * ilp + k] = V(repeating: 0)
                    }
                    if i & (mask << (j * power)) != 0 { break }
                }
            }
            while i < groups {
                for k in 0..<ilp { acc[k] += load(i * ilp + k) }
                i += 1
            }
            for j in 1..<levels {
                for k in 0..<ilp { acc[k] += acc[j * ilp + k] }
            }
            for v in (groups * ilp)..<vectors { acc[0] += load(v) }
            var lanes = acc[0]
            for k in 1..<ilp { lanes += acc[k] }
            var result = total
            for lane in 0..<8 { result += lanes[lane] }
            return result
        }
    }
}
