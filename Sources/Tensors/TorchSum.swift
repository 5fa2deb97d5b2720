/// fp32 sum of contiguous values in the order of torch's CPU sum over an inner dimension
/// (`cascade_sum` → `vectorized_inner_sum` → `row_sum` with 4-way ILP → `multi_row_sum` with 4
/// cascade levels), as torch 2.13 runs it here: 8-lane (AVX2) float vectors; a bf16 tensor is
/// loaded 16 elements at a time, its two 8-lane halves added first. Checked bit for bit against
/// torch.sum (Tests/Fixtures/rowsum from scripts/make_rowsum_fixture.py). Ties between bf16-rounded sums
/// decide the mse observer's choices, and RMSNorm's variance moves static activation ranges, so the order
/// matters.
public enum TorchSum {
    typealias Lanes = SIMD8<Float>

    /// Σ x[k], or Σ x[k]² with `squared` (each square rounded to fp32 first, as `x.pow(2).sum(-1)`:
    /// RMSNorm's variance). `bfloat16Input`: the values are bf16 (loaded 16 at a time).
    public static func contiguous(_ x: UnsafePointer<Float>, count: Int, bfloat16Input: Bool = false, squared: Bool = false) -> Float {
        let width = bfloat16Input ? 16 : 8
        let loads = count / width
        let raw = UnsafeRawPointer(x)
        func load(_ v: Int) -> Lanes {
            var first = raw.loadUnaligned(fromByteOffset: v * width * 4, as: Lanes.self)
            if squared { first *= first }
            guard bfloat16Input else { return first }
            var second = raw.loadUnaligned(fromByteOffset: (v * width + 8) * 4, as: Lanes.self)
            if squared { second *= second }
            return first + second
        }
        func value(_ k: Int) -> Float { squared ? x[k] * x[k] : x[k] }
        var total: Float = 0
        if loads > 0 {
            // row_sum: rows of 4 consecutive loads through multi_row_sum, leftovers into column 0.
            let rows = loads / 4
            let levelPower = max(4, (rows <= 2 ? 1 : Int.bitWidth - (rows - 1).leadingZeroBitCount) / 4)
            let levelStep = 1 << levelPower, levelMask = levelStep - 1
            let lanes = withUnsafeTemporaryAllocation(of: Lanes.self, capacity: 16) { acc -> Lanes in
                acc.initialize(repeating: .zero)                          // acc[level * 4 + column]
                var i = 0
                while i + levelStep <= rows {
                    for _ in 0..<levelStep {
                        for k in 0..<4 { acc[k] += load(i * 4 + k) }
                        i += 1
                    }
                    for j in 1..<4 {
                        for k in 0..<4 { acc[j * 4 + k] += acc[(j - 1) * 4 + k]; acc[(j - 1) * 4 + k] = .zero }
                        if i & (levelMask << (j * levelPower)) != 0 { break }
                    }
                }
                while i < rows {
                    for k in 0..<4 { acc[k] += load(i * 4 + k) }
                    i += 1
                }
                for j in 1..<4 { for k in 0..<4 { acc[k] += acc[j * 4 + k] } }
                for v in (rows * 4)..<loads { acc[0] += load(v) }
                return ((acc[0] + acc[1]) + acc[2]) + acc[3]
            }
            for k in (loads * width)..<count { total += value(k) }
            for lane in 0..<8 { total += lanes[lane] }
        } else if count < 8 {
            // Fewer values than one fp32 vector: torch's scalar_inner_sum, i.e. row_sum with 4
            // partial sums over rows of 4 values, the leftovers added to the first, then the four
            // partials in order: ((((x0 + x4) + x5) + x6) + x1) + x2) + x3 for 7 values.
            var partial: (Float, Float, Float, Float) = count >= 4 ? (value(0), value(1), value(2), value(3)) : (0, 0, 0, 0)
            for k in (count >= 4 ? 4 : 0)..<count { partial.0 += value(k) }
            total = ((partial.0 + partial.1) + partial.2) + partial.3
        } else {
            // A bf16 row of 8–15 values: no whole 16-value load, the tail alone, left to right.
            for k in 0..<count { total += value(k) }
        }
        return total
    }
}
