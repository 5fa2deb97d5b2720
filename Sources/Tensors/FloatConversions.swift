/// Exact conversions between fp32 and the narrow float formats (round half to even).
public enum FloatBits {
    /// bf16 bit pattern → fp32.
    @inlinable public static func bf16ToFloat(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// fp32 → bf16 bit pattern with round-to-nearest-even (NaN stays NaN).
    @inlinable public static func floatToBF16(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: (bits >> 16) | 0x40) }
        let lsb = (bits >> 16) & 1
        let rounded = bits &+ 0x7FFF &+ lsb
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }

    /// Rounds an fp32 value to the nearest bf16 value, returned as fp32.
    @inlinable public static func roundToBF16(_ value: Float) -> Float {
        bf16ToFloat(floatToBF16(value))
    }

    /// IEEE half bit pattern → fp32.
    @inlinable public static func f16ToFloat(_ bits: UInt16) -> Float {
        Float(Float16(bitPattern: bits))
    }

    /// fp32 → IEEE half bit pattern, round-to-nearest-even.
    @inlinable public static func floatToF16(_ value: Float) -> UInt16 {
        Float16(value).bitPattern
    }

    /// Decoding table for float8 e4m3fn (no infinities, 0x7F/0xFF are NaN).
    public static let f8e4m3Table: [Float] = (0..<256).map { decodeF8E4M3(UInt8($0)) }

    /// float8 e4m3fn bit pattern → fp32.
    @inlinable public static func f8e4m3ToFloat(_ bits: UInt8) -> Float {
        f8e4m3Table[Int(bits)]
    }

    static func decodeF8E4M3(_ bits: UInt8) -> Float {
        let sign: Float = bits & 0x80 != 0 ? -1 : 1
        let exponent = Int((bits >> 3) & 0xF)
        let mantissa = Int(bits & 0x7)
        if exponent == 0xF && mantissa == 0x7 { return .nan }
        if exponent == 0 { return sign * Float(mantissa) / 8 * Float(sign: .plus, exponent: -6, significand: 1) }
        return sign * (1 + Float(mantissa) / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1)
    }

    /// fp32 → float8 e4m3fn with round-to-nearest-even, saturating to ±448 (as torch's cast after a clamp).
    public static func floatToF8E4M3(_ value: Float) -> UInt8 {
        if value.isNaN { return 0x7F }
        let sign: UInt8 = value.sign == .minus ? 0x80 : 0
        let magnitude = min(abs(value), 448)
        if magnitude == 0 { return sign }
        // Smallest subnormal is 2^-9; values are multiples of 2^(e-3) in each binade.
        let exponent = max(Int(magnitude.exponent), -6)
        let quantum = Float(sign: .plus, exponent: exponent - 3, significand: 1)
        let steps = (magnitude / quantum).rounded(.toNearestOrEven)
        let rounded = steps * quantum
        if rounded == 0 { return sign }
        return sign | encodeExactF8E4M3(rounded)
    }

    static func encodeExactF8E4M3(_ magnitude: Float) -> UInt8 {
        if magnitude < Float(sign: .plus, exponent: -6, significand: 1) {
            let mantissa = UInt8(magnitude / Float(sign: .plus, exponent: -9, significand: 1))
            return mantissa
        }
        let exponent = Int(magnitude.exponent)
        let mantissa = UInt8(((magnitude / Float(sign: .plus, exponent: exponent, significand: 1)) - 1) * 8)
        return UInt8(exponent + 7) << 3 | mantissa
    }
}
