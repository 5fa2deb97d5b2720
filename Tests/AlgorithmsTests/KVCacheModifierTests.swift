import Foundation
import Testing
@testable import Algorithms
import Quantization
import Tensors

/// The key/value statistics of the two KV-cache conventions.
@Suite struct KVCacheModifierTests {
    /// Two samples stacked by rows (3 and 2 tokens, 4 channels).
    static let keys = Matrix(rows: 5, cols: 4, data: [
        1, -2, 3, 0.5,
        -4, 1, 0, 0.25,
        2, 2, -1, 0,
        0.5, -0.25, 8, -3,     // second sample
        -1, 0.75, -2, 1,
    ])
    static let values = Matrix(rows: 5, cols: 4, data: (0..<20).map { Float($0 % 7) - 3 })

    /// msModelSlim's observer restarts on every call: only the last sample's per-channel range counts,
    /// scale = max(−min(mn, 0), max(mx, 0)) / 127 floored at eps.
    @Test func modelSlimKeepsTheLastSamplePerChannel() throws {
        let args = QuantizationArgs(numBits: 8, type: .int, symmetric: true, strategy: .channel)
        let statistics = KVStatistics(settings: .init(args: args, convention: .modelSlim))
        try statistics.reset(dtype: .float32)
        statistics.observe(keys: Self.keys, values: Self.values, segments: [0..<3, 3..<5])
        let (k, _) = try #require(statistics.scales(dtype: .float32))
        let expected: [Float] = [1.0 / 127, 0.75 / 127, 8.0 / 127, 3.0 / 127]
        #expect(k == expected, "\(k)")
        // A channel that is zero throughout gets the eps floor, not 0.
        let zeros = Matrix(rows: 2, cols: 4, data: [Float](repeating: 0, count: 8))
        statistics.observe(keys: zeros, values: zeros, segments: [0..<2])
        #expect(try #require(statistics.scales(dtype: .float32)).keys == [Float](repeating: Float.ulpOfOne, count: 4))
    }

    /// compressed-tensors: one update per sample over the whole tensor, the minmax moving average
    /// (first sample raw, then 0.99·m + 0.01·m_sample); fp8 scale = max|·| / 448.
    @Test func compressedTensorsAveragesEverySample() throws {
        let args = QuantizationArgs(numBits: 8, type: .float, symmetric: true, strategy: .tensor)
        let statistics = KVStatistics(settings: .init(args: args, convention: .compressedTensors))
        try statistics.reset(dtype: .float32)
        statistics.observe(keys: Self.keys, values: Self.values, segments: [0..<3, 3..<5])
        let (k, _) = try #require(statistics.scales(dtype: .float32))
        // Sample 1: [-4, 3]; sample 2: [-3, 8] → min −4·0.99 + −3·0.01, max 3·0.99 + 8·0.01.
        let lo = Float(-4) * 0.99 + Float(-3) * 0.01, hi = Float(3) * 0.99 + Float(8) * 0.01
        #expect(k.count == 1)
        #expect(abs(k[0] - max(-lo, hi) / 448) <= 1e-7, "\(k[0])")
    }

    @Test func conventionsRefuseWhatTheyCannotHold() {
        #expect(throws: AlgorithmError.self) {
            _ = try KVCacheModifier(settings: .init(args: QuantizationArgs(numBits: 8, type: .int, symmetric: true, strategy: .tensor),
                                                    convention: .modelSlim))
        }
        #expect(throws: AlgorithmError.self) {
            _ = try KVCacheModifier(settings: .init(args: QuantizationArgs(numBits: 8, type: .float, symmetric: false, strategy: .tensor),
                                                    convention: .compressedTensors))
        }
    }
}
