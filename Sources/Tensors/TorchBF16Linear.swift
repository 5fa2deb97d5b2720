/// x·Wᵀ in the fp32 summation order of torch's CPU bf16 `F.linear`, computed by SwiftQuant's own
/// kernel so the result is the same on every CPU.
///
/// torch 2.13 on AVX-512 (oneDNN, bf16 emulated with fp32 FMAs; measured against a fixture made on
/// such a machine): the input width is cut into two halves; within a half, products are accumulated
/// in one running fp32 sum, pair by pair, the odd element of each pair first (VDPBF16PS order); the
/// two halves' sums are then added. An earlier version ran this order through OpenBLAS, whose K
/// blocking depends on the CPU's kernel (SkylakeX, Haswell, Zen): at K = 1536 one to two outputs in
/// 65536 differed from torch, and they were not the same on every CPU. This kernel fixes the order
/// itself.
///
/// Products of bf16 values are exact in fp32 (8-bit significands multiply into 16 bits), so an FMA
/// gives the same bits as torch's multiply-then-add; the kernel uses FMAs (`addProduct`, which
/// compiles to vfmadd231ps), and only the order of the additions matters. Inputs that are not bf16
/// values get the same fixed order, just not torch's bits.
///
/// The weight is packed once per layer (`TorchBF16Linear.PackedWeight`): panels of 16 output
/// columns, K-major, columns of each pair exchanged, so the inner loop is one broadcast of an input
/// element and one 16-wide load per step.
public enum TorchBF16Linear {
    /// Output columns per panel (one SIMD16 accumulator per row).
    static let panel = 16
    /// Rows per micro-tile: 6 rows × SIMD16 = 12 ymm accumulators on AVX2, plus the weight and the broadcast.
    static let tileRows = 6
    /// Tiles per row block (24 rows: at K = 1536 the block's inputs take 144 KiB, within L2).
    static let blockTiles = 4

    /// A weight (out × in) repacked for the kernel: `panels` blocks of `in × 16` floats, rows of
    /// each block in pair-swapped order, columns past `out` zero.
    public struct PackedWeight: Sendable {
        /// Output features (rows of the original weight).
        public let outFeatures: Int
        /// Input features (columns of the original weight).
        public let inFeatures: Int
        let data: [Float]

        /// Packs `weight` (out × in, row-major).
        public init(_ weight: Matrix) {
            let n = weight.rows, k = weight.cols
            let panels = (n + TorchBF16Linear.panel - 1) / TorchBF16Linear.panel
            outFeatures = n
            inFeatures = k
            let p = TorchBF16Linear.panel
            data = [Float](unsafeUninitializedCapacity: panels * k * p) { buffer, initialized in
                let d = buffer.baseAddress!
                weight.data.withUnsafeBufferPointer { src in
                    let s = src.baseAddress!
                    Parallel.chunks(panels, minimumChunk: 4) { range in
                        for j in range {
                            let block = d + j * k * p
                            for step in 0..<k {
                                let column = TorchBF16Linear.swappedIndex(step, width: k)
                                for c in 0..<p {
                                    let row = j * p + c
                                    block[step * p + c] = row < n ? s[row * k + column] : 0
                                }
                            }
                        }
                    }
                }
                initialized = panels * k * p
            }
        }
    }

    /// The input column visited at `step`: pairs exchanged (1, 0, 3, 2, …); an odd last column stays.
    @inline(__always)
    static func swappedIndex(_ step: Int, width: Int) -> Int {
        if step == width - 1 && width % 2 == 1 { return step }
        return step ^ 1
    }

    /// Whether a width is summed in torch's two-halves pair order (otherwise one sequential sum).
    /// torch's order was measured for widths divisible by 4 (both halves made of whole pairs).
    static func splitsInHalves(_ k: Int) -> Bool { k % 4 == 0 }

    /// x (m × in) times the packed weight transposed: m × out, in torch's bf16 summation order.
    /// Round the result to bf16 afterwards.
    public static func apply(_ x: Matrix, _ weight: PackedWeight) -> Matrix {
        precondition(x.cols == weight.inFeatures, "TorchBF16Linear: input width \(x.cols) ≠ weight's \(weight.inFeatures)")
        let m = x.rows, n = weight.outFeatures, k = weight.inFeatures
        let panels = (n + panel - 1) / panel
        let half = splitsInHalves(k) ? k / 2 : k
        let xs = pairSwappedRows(x)
        return Matrix(rows: m, cols: n) { out in
            let c = out.baseAddress!
            xs.withUnsafeBufferPointer { xp in
                weight.data.withUnsafeBufferPointer { wp in
                    let a = xp.baseAddress!, b = wp.baseAddress!
                    let tiles = (m + tileRows - 1) / tileRows
                    // Row blocks of `blockTiles` tiles visit every panel in turn, so a panel of the
                    // weight is read once per block (from L2) rather than once per tile.
                    let blocks = (tiles + blockTiles - 1) / blockTiles
                    func run(block: Int, panels range: Range<Int>) {
                        let first = block * blockTiles, last = min(tiles, first + blockTiles)
                        for j in range {
                            for t in first..<last {
                                tile(a: a, k: k, half: half, rows: t * tileRows..<min(m, (t + 1) * tileRows),
                                     b: b + j * k * panel, c: c, n: n, column: j * panel)
                            }
                        }
                    }
                    if blocks >= 2 * Parallel.activeWorkers {
                        // One work item per block, handed out as workers finish (balanced even
                        // when the block count is not a multiple of the worker count).
                        Parallel.forEach(blocks) { block in run(block: block, panels: 0..<panels) }
                    } else {
                        Parallel.chunks(panels) { range in
                            for block in 0..<blocks { run(block: block, panels: range) }
                        }
                    }
                }
            }
        }
    }

    /// The input with the columns of each pair exchanged, so the kernel reads it in step order.
    static func pairSwappedRows(_ x: Matrix) -> [Float] {
        let k = x.cols
        return [Float](unsafeUninitializedCapacity: x.rows * k) { buffer, initialized in
            let d = buffer.baseAddress!
            x.data.withUnsafeBufferPointer { src in
                let s = src.baseAddress!
                Parallel.chunks(x.rows, minimumChunk: 64) { rows in
                    for r in rows {
                        let row = r * k
                        for step in 0..<k { d[row + step] = s[row + swappedIndex(step, width: k)] }
                    }
                }
            }
            initialized = x.rows * k
        }
    }

    /// Six rows of 16 running sums.
    typealias Sums = (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>)

    /// One tile: up to `tileRows` rows × 16 columns, two half sums added at the end.
    @inline(__always)
    static func tile(a: UnsafePointer<Float>, k: Int, half: Int, rows: Range<Int>,
                     b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, n: Int, column: Int) {
        let r0 = rows.lowerBound, count = rows.count
        // Rows past the tile's end read row r0 again (their results are discarded).
        @inline(__always) func row(_ i: Int) -> UnsafePointer<Float> { a + (r0 + (i < count ? i : 0)) * k }
        let p = (row(0), row(1), row(2), row(3), row(4), row(5))
        var acc = sums(p, b: UnsafeRawPointer(b), steps: 0..<half)
        if half < k {
            let second = sums(p, b: UnsafeRawPointer(b), steps: half..<k)
            acc.0 = acc.0 + second.0; acc.1 = acc.1 + second.1; acc.2 = acc.2 + second.2
            acc.3 = acc.3 + second.3; acc.4 = acc.4 + second.4; acc.5 = acc.5 + second.5
        }
        let width = min(panel, n - column)
        @inline(__always) func store(_ v: SIMD16<Float>, _ i: Int) {
            guard i < count else { return }
            let dst = c + (r0 + i) * n + column
            if width == panel {
                UnsafeMutableRawPointer(dst).storeBytes(of: v, as: SIMD16<Float>.self)
            } else {
                for j in 0..<width { dst[j] = v[j] }
            }
        }
        store(acc.0, 0); store(acc.1, 1); store(acc.2, 2); store(acc.3, 3); store(acc.4, 4); store(acc.5, 5)
    }

    /// One running sum per row and column over `steps`, in step order, starting from zero.
    @inline(__always)
    static func sums(_ p: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
                           UnsafePointer<Float>, UnsafePointer<Float>),
                     b: UnsafeRawPointer, steps: Range<Int>) -> Sums {
        var acc: Sums = (.zero, .zero, .zero, .zero, .zero, .zero)
        for step in steps {
            let w = b.loadUnaligned(fromByteOffset: step * panel * 4, as: SIMD16<Float>.self)
            acc.0.addProduct(w, SIMD16(repeating: p.0[step]))
            acc.1.addProduct(w, SIMD16(repeating: p.1[step]))
            acc.2.addProduct(w, SIMD16(repeating: p.2[step]))
            acc.3.addProduct(w, SIMD16(repeating: p.3[step]))
            acc.4.addProduct(w, SIMD16(repeating: p.4[step]))
            acc.5.addProduct(w, SIMD16(repeating: p.5[step]))
        }
        return acc
    }
}
