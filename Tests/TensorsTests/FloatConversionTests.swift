import Foundation
import Tensors
import Testing

@Suite("Narrow float conversions")
struct FloatConversionTests {
    @Test func bf16RoundTripsEveryPattern() {
        for bits in 0...UInt16.max {
            let value = FloatBits.bf16ToFloat(bits)
            if value.isNaN { continue }
            #expect(FloatBits.floatToBF16(value) == bits)
        }
    }

    @Test func bf16RoundsHalfToEven() {
        // 1 + 2^-8 lies exactly between 1 (even mantissa) and 1 + 2^-7: goes down to 1.
        #expect(FloatBits.roundToBF16(1 + 0x1p-8) == 1)
        // 1 + 3·2^-8 lies between 1 + 2^-7 (odd) and 1 + 2^-6 (even): goes up.
        #expect(FloatBits.roundToBF16(1 + 3 * 0x1p-8) == 1 + 0x1p-6)
        // Just above the midpoint rounds up.
        #expect(FloatBits.roundToBF16(1 + 0x1p-8 + 0x1p-20) == 1 + 0x1p-7)
        #expect(FloatBits.floatToBF16(.nan) & 0x7FC0 == 0x7FC0)
    }

    @Test func f8e4m3DecodesKnownValues() {
        #expect(FloatBits.f8e4m3ToFloat(0x7E) == 448)
        #expect(FloatBits.f8e4m3ToFloat(0xFE) == -448)
        #expect(FloatBits.f8e4m3ToFloat(0x38) == 1)
        #expect(FloatBits.f8e4m3ToFloat(0x01) == 0x1p-9)
        #expect(FloatBits.f8e4m3ToFloat(0x08) == 0x1p-6)
        #expect(FloatBits.f8e4m3ToFloat(0x7F).isNaN)
    }

    @Test func f8e4m3RoundTripsAndTiesToEven() {
        var positives: [(UInt8, Float)] = []
        for code in 0...UInt8.max {
            let value = FloatBits.f8e4m3ToFloat(code)
            if value.isNaN { continue }
            if value == 0 { continue }
            #expect(FloatBits.floatToF8E4M3(value) == code, "code \(code)")
            if code < 0x80 { positives.append((code, value)) }
        }
        positives.sort { $0.1 < $1.1 }
        for (lower, upper) in zip(positives, positives.dropFirst()) {
            let midpoint = (lower.1 + upper.1) / 2
            let even = lower.0 % 2 == 0 ? lower.0 : upper.0
            #expect(FloatBits.floatToF8E4M3(midpoint) == even, "midpoint \(midpoint)")
            #expect(FloatBits.floatToF8E4M3(midpoint.nextDown) == lower.0)
            #expect(FloatBits.floatToF8E4M3(midpoint.nextUp) == upper.0)
        }
        #expect(FloatBits.floatToF8E4M3(1000) == 0x7E)
        #expect(FloatBits.floatToF8E4M3(-1000) == 0xFE)
        #expect(FloatBits.floatToF8E4M3(0x1p-11) == 0)
    }
}
