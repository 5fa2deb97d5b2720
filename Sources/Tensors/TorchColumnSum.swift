/// Column sums of a row-major fp32 matrix in the order PyTorch's CPU `sum(dim=0)` adds them
/// (aten's `multi_row_sum` cascade: rows are added one by one into a level-0 accumulator in blocks of
/// 2^p rows, p = max(4, ⌈log2 rows⌉ / 4); each full block is carried into level 1, and a level is
/// carried up when the row index reaches a multiple of its span; the levels are finally added
/// onto level 0 in order). Matching that order makes sums, and what is computed from them,
/// bit-identical to the peer's (checked against torch on random data of several shapes).
public enum TorchColumnSum {
    /// Σ over `rows` rows of `x` (row stride `width`) per column, into `out` (overwritten).
    public static func sum(_ x: UnsafePointer<Float>, rows: Int, width: Int, into out: UnsafeMutablePointer<Float>) {
        let levels = 4
        var log2 = 0
        while (1 << log2) < rows { log2 += 1 }
        let power = max(4, log2 / levels)
        let step = 1 << power, mask = step - 1
        var acc = [Float](repeating: 0, count: levels * width)
        acc.withUnsafeMutableBufferPointer { ap in
            let a = ap.baseAddress!
            var i = 0
            while i + step <= rows {
                for _ in 0..<step {
                    let row = x + i * width
                    for c in 0..<width { a[c] += row[c] }
                    i += 1
                }
                for j in 1..<levels {
                    for c in 0..<width {
                        a[j * width + c] += a[(j - 1) * width + c]
                        a[(j - 1) * width + c] = 0
                    }
                    if i & (mask << (j * power)) != 0 { break }
                }
            }
            while i < rows {
                let row = x + i * width
                for c in 0..<width { a[c] += row[c] }
                i += 1
            }
            for j in 1..<levels {
                for c in 0..<width { a[c] += a[j * width + c] }
            }
            out.update(from: a, count: width)
        }
    }
}
