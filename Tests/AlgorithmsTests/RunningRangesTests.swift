import Testing
@testable import Algorithms
import Quantization
import Tensors

/// msModelSlim's static activation ranges: max aggregation (running min of mins / max of maxes)
/// and `aggregation_type: mean` (the mean of the per-sample min/max, formats.md §2.7).
@Suite struct RunningRangesTests {
    /// Two samples of 2 rows × 2 columns: ranges [−2, 3] and [−4, 5].
    static let x = Matrix(rows: 4, cols: 2, data: [-2, 1, 3, 0, 5, -4, 1, 2])
    static let args = QuantizationArgs(numBits: 8, type: .int, symmetric: false, strategy: .tensor)

    @Test(arguments: [false, true])
    func rangesAndFakeQuantization(mean: Bool) throws {
        let ranges = RunningRanges()
        var x = Self.x
        ranges.observeAndFakeQuantize(&x, role: .qProj, segments: [0..<2, 2..<4], args: Self.args, dtype: .float32, mean: mean)
        let expected: (Float, Float) = mean ? (-3, 4) : (-4, 5)
        let q = try #require(ranges.qparams(.qProj, args: Self.args, dtype: .float32))
        #expect(q == ModelSlimArithmetic.qparams(min: expected.0, max: expected.1, bits: 8, symmetric: false, dtype: .float32))
        // The first sample is fake-quantized with its own range, the second with the aggregate.
        let first = ModelSlimArithmetic.qparams(min: -2, max: 3, bits: 8, symmetric: false, dtype: .float32)
        for i in 0..<4 {
            let want = ModelSlimArithmetic.dequantize(ModelSlimArithmetic.quantize(Self.x.data[i], first, bits: 8, dtype: .float32), first, dtype: .float32)
            #expect(x.data[i] == want)
        }
        for i in 4..<8 {
            let want = ModelSlimArithmetic.dequantize(ModelSlimArithmetic.quantize(Self.x.data[i], q, bits: 8, dtype: .float32), q, dtype: .float32)
            #expect(x.data[i] == want)
        }
    }
}
