import JSON
import Testing

/// Numbers are kept exactly: integers as Int64/UInt64 (or their digits beyond), floating-point
/// numbers as the correctly rounded Double.
@Suite struct NumberTests {
    static func number(_ text: String) throws -> JSONNumber {
        try #require(try JSONParser.parse(Array(text.utf8)).numberValue)
    }

    @Test func integersAreExact() throws {
        #expect(try Self.number("0").int64Value == 0)
        #expect(try Self.number("-0").int64Value == 0)
        #expect(try Self.number("-0").isNegative == false)
        #expect(try Self.number("9007199254740993").int64Value == 9_007_199_254_740_993)
        #expect(try Self.number("9223372036854775807").int64Value == Int64.max)
        #expect(try Self.number("-9223372036854775808").int64Value == Int64.min)
        #expect(try Self.number("9223372036854775808").int64Value == nil)
        #expect(try Self.number("9223372036854775808").uint64Value == 9_223_372_036_854_775_808)
        #expect(try Self.number("18446744073709551615").uint64Value == UInt64.max)
        #expect(try Self.number("18446744073709551616").uint64Value == nil)
        #expect(try Self.number("18446744073709551616").isInteger)
        #expect(try Self.number("18446744073709551616").description == "18446744073709551616")
        #expect(try Self.number("-99999999999999999999").description == "-99999999999999999999")
        #expect(try Self.number("-99999999999999999999").isNegative)
        #expect(try Self.number("-99999999999999999999").intValue == nil)
        #expect(try Self.number("123456789012345678901234567890").doubleValue == 1.2345678901234568e29)
        #expect(try Self.number("42").intValue == 42)
        #expect(try Self.number("42").floatingPointValue == nil)
    }

    @Test func floatingPointNumbersAreCorrectlyRounded() throws {
        for (text, value) in [("0.1", 0.1), ("0.30000000000000004", 0.30000000000000004), ("1e-05", 1e-05),
                              ("5e-324", 5e-324), ("1.7976931348623157e308", 1.7976931348623157e308),
                              ("2.2250738585072011e-308", 2.2250738585072011e-308), ("1E2", 100.0), ("-0.0", -0.0),
                              ("123456789.125", 123456789.125), ("1e-400", 0.0), ("0.000000000000000000000000001", 1e-27),
                              ("9007199254740993.0", 9007199254740992.0), ("4.35", 4.35), ("1.0e22", 1e22), ("1e23", 1e23)] {
            let number = try Self.number(text)
            #expect(number.floatingPointValue?.bitPattern == value.bitPattern, "\(text)")
            #expect(!number.isInteger, "\(text)")
        }
        #expect(try Self.number("-0.0").description == "-0.0")
        #expect(try Self.number("1E2").description == "100.0")
    }

    /// The fast path (exact mantissa × exact power of ten) and the slow path agree with Swift's
    /// correctly rounded `Double(String)` on random literals.
    @Test func randomLiteralsMatchSwiftsParser() throws {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...20, using: &rng)
            var mantissa = String(Int.random(in: 1...9, using: &rng))
            for _ in 1..<digits { mantissa += String(Int.random(in: 0...9, using: &rng)) }
            let point = Int.random(in: 0...digits, using: &rng)
            var text = point == digits ? mantissa + ".0"
                : String(mantissa.prefix(max(point, 1))) + "." + String(mantissa.dropFirst(max(point, 1)))
            if text.hasSuffix(".") { text += "0" }
            if Bool.random(using: &rng) { text += "e" + String(Int.random(in: -30...30, using: &rng)) }
            if Bool.random(using: &rng) { text = "-" + text }
            let expected = try #require(Double(text))
            #expect(try Self.number(text).floatingPointValue?.bitPattern == expected.bitPattern, "\(text)")
        }
    }

    @Test func integralFloatsConvertOnlyWhenExact() throws {
        #expect(try Self.number("2.0").intValue == 2)
        #expect(try Self.number("2e3").intValue == 2000)
        #expect(try Self.number("2.5").intValue == nil)
        #expect(try Self.number("1e300").intValue == nil)
        #expect(try Self.number("9007199254740992.0").intValue == 9_007_199_254_740_992)
        #expect(try Self.number("18014398509481984.0").intValue == nil)
    }

    @Test func equalityIsExact() {
        #expect(JSONNumber(1) == JSONNumber(Int64(1)))
        #expect(JSONNumber(UInt64(1)) == JSONNumber(1))
        #expect(JSONNumber(1) != JSONNumber(1.0))
        #expect(JSONNumber(0.0) != JSONNumber(-0.0))
        #expect(JSONNumber(Double.nan) == JSONNumber(Double.nan))
    }

    @Test func floatFormats() {
        // python3 -c 'print([repr(x) for x in [...]])'
        let values: [Double] = [1.0, 100000.0, 1e-05, 1e16, 1e15, 0.1, -0.0, 2.5, 1e22, 5e-324, 1.7976931348623157e308, 123456789012345.6,
                                9999999999999998.0, 9007199254740993.0, -9.3307722565432e15, 0.0001, 0.00012345, 1.5e-7, 12345678901234567890.0]
        #expect(values.map(JSONFloatFormat.python.text) == ["1.0", "100000.0", "1e-05", "1e+16", "1000000000000000.0", "0.1", "-0.0", "2.5",
                                                           "1e+22", "5e-324", "1.7976931348623157e+308", "123456789012345.6",
                                                           "9999999999999998.0", "9007199254740992.0", "-9330772256543200.0", "0.0001",
                                                           "0.00012345", "1.5e-07", "1.2345678901234567e+19"])
        // Foundation wrote Swift's description, which switches to an exponent from 2^53.
        #expect(values.map(JSONFloatFormat.foundation.text) == ["1", "100000", "1e-05", "1e+16", "1000000000000000", "0.1", "-0", "2.5",
                                                               "1e+22", "5e-324", "1.7976931348623157e+308", "123456789012345.6",
                                                               "9.999999999999998e+15", "9007199254740992", "-9.3307722565432e+15", "0.0001",
                                                               "0.00012345", "1.5e-07", "1.2345678901234567e+19"])
        #expect([Double.nan, .infinity, -.infinity].map(JSONFloatFormat.python.text) == ["NaN", "Infinity", "-Infinity"])
        #expect([Double.nan, .infinity].map(JSONFloatFormat.pythonFiniteOrNull.text) == ["null", "null"])
        #expect([Double.nan, .infinity].map(JSONFloatFormat.foundation.text) == ["null", "null"])
    }
}
