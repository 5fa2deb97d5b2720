import Foundation
import Models
import Tensors
import TestAssets
import Testing

/// The calibration pipeline runs several samples through a layer as one stacked batch: every row
/// must get exactly what the forward of its own sequence gives.
@Suite("Batched layer forward")
struct BatchedForwardTests {
    @Test(arguments: ["qwen2", "qwen2-bf16", "qwen3", "mistral", "llama3-rope"])
    func batchEqualsOneSequenceAtATime(name: String) throws {
        let directory = try ModelDirectory(url: TestAssets.fixture("tiny/\(name)"))
        let lm = try CausalLM.load(directory)
        // Lengths around the fixtures' sliding window (64) and the kernel's query blocks.
        let sequences = [[5, 17, 200], Array((0..<70).map { ($0 * 37 + 11) % 256 }), Array((0..<33).map { ($0 * 13 + 2) % 256 })]
        for precision in [ForwardPrecision.float32, .bfloat16].flatMap({ p in ForwardPrecision.Attention.allCases.map { p.with(attention: $0) } }) {
            var singles = try sequences.map { try lm.embed($0) }
            var stacked = Matrix(rows: sequences.reduce(0) { $0 + $1.count }, cols: lm.config.hiddenSize)
            var segments: [Range<Int>] = []
            var row = 0
            for single in singles {
                for r in 0..<single.rows { for c in 0..<single.cols { stacked[row + r, c] = single[r, c] } }
                segments.append(row..<(row + single.rows))
                row += single.rows
            }
            for layer in lm.layers {
                var prepared = layer
                if precision.isBFloat16 { prepared.prepareForBFloat16() }
                for s in singles.indices {
                    var none: [Float]? = nil, noneV: [Float]? = nil
                    prepared.forward(&singles[s], rope: lm.rope, start: 0, cacheKeys: &none, cacheValues: &noneV, precision: precision)
                }
                prepared.forward(batch: &stacked, segments: segments, rope: lm.rope, precision: precision)
            }
            var differing = 0
            var worst: Float = 0, scale: Float = 0
            for (s, segment) in segments.enumerated() {
                for r in 0..<segment.count {
                    for c in 0..<stacked.cols {
                        let a = stacked[segment.lowerBound + r, c], b = singles[s][r, c]
                        if a != b { differing += 1 }
                        worst = max(worst, abs(a - b))
                        scale = max(scale, abs(b))
                    }
                }
            }
            print("batched \(name) \(precision): \(differing) of \(stacked.count) hidden values differ, max |Δ| \(worst) (max |h| \(scale))")
            if precision.isBFloat16 {
                // SwiftQuant's own kernels: a row's arithmetic does not depend on the other rows.
                #expect(differing == 0, "\(name) bf16 \(precision.attention): \(differing) of \(stacked.count) hidden values differ")
            } else {
                // OpenBLAS picks its small-matrix kernel by the call's shape, which changes the
                // summation order of tiny GEMMs (here K = 64); the results agree to rounding.
                #expect(worst <= 1e-5 * scale, "\(name) fp32: max |Δ| \(worst) for max |h| \(scale)")
            }
        }
    }
}
