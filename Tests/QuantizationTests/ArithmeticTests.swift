import Quantization
import Tensors
import Testing

@Suite("compressed-tensors arithmetic")
struct ArithmeticTests {
    static let int4 = QuantizationArgs(numBits: 4, type: .int, symmetric: true, groupSize: 64, strategy: .group)

    @Test func symmetricDivisorIsHalfTheRange() {
        let q = QuantArithmetic.qparams(min: -3, max: 1.5, args: Self.int4, dtype: .float32)
        #expect(q.scale == 3 / 7.5 && q.zeroPoint == 0)
        let int8 = QuantizationArgs(numBits: 8)
        #expect(QuantArithmetic.qparams(min: -1, max: 2.55, args: int8, dtype: .float32).scale == Float(2.55) / 127.5)
        let fp8 = QuantizationArgs(numBits: 8, type: .float)
        #expect(QuantArithmetic.qparams(min: -896, max: 10, args: fp8, dtype: .float32).scale == 2)
        // The largest magnitude maps to 127.5 and clamps to 127.
        #expect(QuantArithmetic.quantize(2.55, QParams(scale: Float(2.55) / 127.5, zeroPoint: 0), args: int8, dtype: .float32) == 127)
    }

    @Test func asymmetricZeroPointAndRounding() {
        var args = Self.int4
        args.symmetric = false
        let q = QuantArithmetic.qparams(min: -1, max: 2, args: args, dtype: .float32)
        #expect(q.scale == Float(3) / 15)
        #expect(q.zeroPoint == (Float(-8) - Float(-1) / (Float(3) / 15)).rounded(.toNearestOrEven))
        // Round half to even: 2.5 → 2, 3.5 → 4.
        let unit = QParams(scale: 1, zeroPoint: 0)
        #expect(QuantArithmetic.quantize(2.5, unit, args: Self.int4, dtype: .float32) == 2)
        #expect(QuantArithmetic.quantize(3.5, unit, args: Self.int4, dtype: .float32) == 4)
        #expect(QuantArithmetic.quantize(-9, unit, args: Self.int4, dtype: .float32) == -8)
    }

    @Test func bf16DivisionRoundsTheQuotientFirst() {
        // x / s in fp32 is 2.4999999; rounded to bf16 it becomes 2.5, which rounds to even (2).
        let scale = FloatBits.roundToBF16(0.4)
        let x = FloatBits.roundToBF16(scale * 2.5)
        let fp32Quotient = x / scale
        let bf16 = QuantArithmetic.quantize(x, QParams(scale: scale, zeroPoint: 0), args: Self.int4, dtype: .bfloat16)
        #expect(bf16 == FloatBits.roundToBF16(fp32Quotient).rounded(.toNearestOrEven))
        #expect(QuantArithmetic.qparams(min: 0, max: 0, args: Self.int4, dtype: .bfloat16).scale == 0x1p-7)
        #expect(QuantArithmetic.qparams(min: 0, max: 0, args: Self.int4, dtype: .float32).scale == 0x1p-23)
    }

    @Test func groupQuantizationUsesEachGroupsRange() throws {
        var data = [Float](repeating: 0, count: 2 * 128)
        for i in 0..<64 { data[i] = Float(i) / 64 }          // row 0, group 0: max 63/64
        for i in 64..<128 { data[i] = -Float(i - 64) }       // row 0, group 1: min −63
        data[128 + 5] = 0.3                                  // row 1, group 0
        let w = Matrix(rows: 2, cols: 128, data: data)
        let q = try WeightQuantizer.quantize(w, args: Self.int4, dtype: .float32)
        #expect(q.scaleRows == 2 && q.scaleCols == 2)
        #expect(q.scales[0] == Float(63) / 64 / 7.5)
        #expect(q.scales[1] == 63 / 7.5)
        #expect(q.scales[2] == Float(0.3) / 7.5)
        #expect(q.scales[3] == 0x1p-23)
        #expect(q.values[63] == 7 && q.values[127] == -8)
        let restored = q.dequantized()
        #expect(abs(restored[0, 63] - Float(63) / 64) < q.scales[0])
    }
}
