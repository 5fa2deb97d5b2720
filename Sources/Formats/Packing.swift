/// compressed-tensors' dense cross-element packing of b-bit values into int32 words (formats.md §1.3).
public enum Packing {
    /// Packs each row of `values` (signed integers in [−2^(b−1), 2^(b−1)−1], rows × cols) into
    /// ceil(cols·b/32) little-endian int32 words per row; value i of a row occupies bits [i·b, i·b+b).
    public static func packRows(_ values: [Float], rows: Int, cols: Int, bits: Int) -> [Int32] {
        if 32 % bits == 0 { return packRowsAligned(values, rows: rows, cols: cols, bits: bits) }
        let words = (cols * bits + 31) / 32
        var packed = [UInt32](repeating: 0, count: rows * words)
        let offset = 1 << (bits - 1)
        let mask = UInt64((1 << bits) - 1)
        for r in 0..<rows {
            for c in 0..<cols {
                let u = UInt64(Int(values[r * cols + c]) + offset) & mask
                let bit = c * bits
                let word = bit / 32
                let shift = bit % 32
                let shifted = u << UInt64(shift)
                packed[r * words + word] |= UInt32(truncatingIfNeeded: shifted)
                if shift + bits > 32 {
                    packed[r * words + word + 1] |= UInt32(truncatingIfNeeded: shifted >> 32)
                }
            }
        }
        return packed.map { Int32(bitPattern: $0) }
    }

    /// Fast path for widths dividing 32 (1, 2, 4, 8 bits): no value straddles a word.
    static func packRowsAligned(_ values: [Float], rows: Int, cols: Int, bits: Int) -> [Int32] {
        let words = (cols * bits + 31) / 32
        let perWord = 32 / bits
        let offset = Int32(1 << (bits - 1))
        let mask = UInt32((1 << bits) - 1)
        var packed = [Int32](repeating: 0, count: rows * words)
        packed.withUnsafeMutableBufferPointer { pp in
            values.withUnsafeBufferPointer { vp in
                let p = pp.baseAddress!, v = vp.baseAddress!
                for r in 0..<rows {
                    let row = v + r * cols
                    for w in 0..<words {
                        var word: UInt32 = 0
                        let first = w * perWord
                        for j in 0..<min(perWord, cols - first) {
                            let u = UInt32(bitPattern: Int32(row[first + j]) + offset) & mask
                            word |= u << UInt32(j * bits)
                        }
                        p[r * words + w] = Int32(bitPattern: word)
                    }
                }
            }
        }
        return packed
    }

    /// Packs along dim 0 (used for zero points): transposes, packs each row, transposes back.
    /// Input rows × cols; output ceil(rows·b/32) × cols.
    public static func packColumns(_ values: [Float], rows: Int, cols: Int, bits: Int) -> [Int32] {
        var transposed = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows { for c in 0..<cols { transposed[c * rows + r] = values[r * cols + c] } }
        let packedT = packRows(transposed, rows: cols, cols: rows, bits: bits)
        let words = (rows * bits + 31) / 32
        var out = [Int32](repeating: 0, count: words * cols)
        for c in 0..<cols { for w in 0..<words { out[w * cols + c] = packedT[c * words + w] } }
        return out
    }

    /// Inverse of `packRows`: signed values, rows × cols.
    public static func unpackRows(_ packed: [Int32], rows: Int, cols: Int, bits: Int) -> [Float] {
        let words = (cols * bits + 31) / 32
        let offset = 1 << (bits - 1)
        let mask = UInt64((1 << bits) - 1)
        var values = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                let bit = c * bits
                let word = bit / 32
                let shift = bit % 32
                var chunk = UInt64(UInt32(bitPattern: packed[r * words + word]))
                if shift + bits > 32, word + 1 < words {
                    chunk |= UInt64(UInt32(bitPattern: packed[r * words + word + 1])) << 32
                }
                values[r * cols + c] = Float(Int((chunk >> UInt64(shift)) & mask) - offset)
            }
        }
        return values
    }

    /// Inverse of `packColumns`.
    public static func unpackColumns(_ packed: [Int32], rows: Int, cols: Int, bits: Int) -> [Float] {
        let words = (rows * bits + 31) / 32
        var packedT = [Int32](repeating: 0, count: words * cols)
        for c in 0..<cols { for w in 0..<words { packedT[c * words + w] = packed[w * cols + c] } }
        let transposed = unpackRows(packedT, rows: cols, cols: rows, bits: bits)
        var out = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows { for c in 0..<cols { out[r * cols + c] = transposed[c * rows + r] } }
        return out
    }
}
