import Testing
@testable import Quantization
import Tensors

/// msModelSlim's int_quantization arithmetic (formats.md §2.1), values checked by hand and against
/// the documented formulas.
@Suite struct ModelSlimArithmeticTests {
    @Test func symmetricDividesBy127() {
        let q = ModelSlimArithmetic.qparams(min: -2.54, max: 1.0, bits: 8, symmetric: true, dtype: .float32)
        #expect(q.scale == Float(2.54) / 127)
        #expect(q.zeroPoint == 0)
        let q4 = ModelSlimArithmetic.qparams(min: -0.5, max: 0.7, bits: 4, symmetric: true, dtype: .float32)
        #expect(q4.scale == Float(0.7) / 7)
    }

    @Test func asymmetricTwoDivisionsAndSignedOffset() {
        let lo: Float = -4.71545124, hi: Float = 5.39219189
        let q = ModelSlimArithmetic.qparams(min: lo, max: hi, bits: 8, symmetric: false, dtype: .float32)
        #expect(q.scale == hi / 255 - lo / 255)
        #expect(q.scale.bitPattern == Float(0.0396378152).bitPattern, "stories260K layer 0 q_proj in msModelSlim 26.1.0's output")
        #expect(q.zeroPoint == (-lo / q.scale).rounded(.toNearestOrEven) - 128)
        #expect(q.zeroPoint == -9)
        // (hi - lo) / 255 is not the same float here: the two-division form is what is stored.
        let positive = ModelSlimArithmetic.qparams(min: 0.5, max: 3, bits: 8, symmetric: false, dtype: .float32)
        #expect(positive.zeroPoint == -128, "min is clamped to 0 first")
    }

    @Test func epsFloorAndClamp() {
        let zero = ModelSlimArithmetic.qparams(min: 0, max: 0, bits: 8, symmetric: true, dtype: .float32)
        #expect(zero.scale == Float.ulpOfOne)
        let q = QParams(scale: 0.1, zeroPoint: -9)
        #expect(ModelSlimArithmetic.quantize(100, q, bits: 8, dtype: .float32) == 127)
        #expect(ModelSlimArithmetic.quantize(-100, q, bits: 8, dtype: .float32) == -128)
        // the offset is added before rounding: rne(2.5 − 9) = rne(−6.5) = −6
        #expect(ModelSlimArithmetic.quantize(0.25, q, bits: 8, dtype: .float32) == -6)
        #expect(ModelSlimArithmetic.dequantize(-6, q, dtype: .float32) == Float(3) * 0.1)
    }

    @Test func weightPerChannelAndGroup() throws {
        let w = Matrix(rows: 2, cols: 4, data: [0.5, -1.27, 0.01, 1.0, 3, 2, 1, -0.5])
        let channel = try ModelSlimArithmetic.quantizeWeight(w, args: QuantizationArgs(numBits: 8, symmetric: true, strategy: .channel).validated(), dtype: .float32)
        #expect(channel.scales == [Float(1.27) / 127, Float(3) / 127])
        #expect(channel.values[1] == -127 && channel.values[4] == 127)
        let group = try ModelSlimArithmetic.quantizeWeight(w, args: QuantizationArgs(numBits: 8, symmetric: false, groupSize: 2, strategy: .group).validated(), dtype: .float32)
        #expect(group.scaleCols == 2 && group.scales.count == 4)
        let q = ModelSlimArithmetic.qparams(min: 2, max: 3, bits: 8, symmetric: false, dtype: .float32)
        #expect(group.scales[2] == q.scale && group.zeroPoints[2] == q.zeroPoint)
        // every value dequantizes back within half a step
        let dq = group.dequantized()
        for i in 0..<w.count { #expect(abs(dq.data[i] - w.data[i]) <= group.scales[i / 2] / 2 * 1.0001) }
    }
}
