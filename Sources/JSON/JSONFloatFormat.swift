/// How a writer spells floating-point numbers.
public enum JSONFloatFormat: Sendable, Equatable {
    /// Python's `repr(float)`: the shortest digits that read back to the same `Double`, with
    /// `.0` on integral values (`1.0`, `100000.0`, `9999999999999998.0`, `1e-05`, `1e+16`).
    /// NaN and infinities are written as Python's `json.dumps` writes them (`NaN`, `Infinity`,
    /// `-Infinity`).
    case python
    /// As the `python` format, but NaN and infinities, which JSON cannot hold, are written as
    /// `null` (as serde_json does).
    case pythonFiniteOrNull
    /// As Foundation's `JSONSerialization` writes a `Double`: Swift's `description` with a
    /// trailing `.0` removed (`1`, `2.5`, `1e-05`); NaN and infinities are written as `null`.
    case foundation

    /// The text of `value` in this format.
    public func text(_ value: Double) -> String {
        guard value.isFinite else {
            switch self {
            case .python:
                if value.isNaN { return "NaN" }
                return value < 0 ? "-Infinity" : "Infinity"
            case .pythonFiniteOrNull, .foundation:
                return "null"
            }
        }
        switch self {
        case .python, .pythonFiniteOrNull:
            return Self.pythonRepr(value)
        case .foundation:
            var text = value.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            return text
        }
    }

    /// Python's `repr` of a finite double: the shortest round-trip digits (Swift's
    /// `description` has the same digits), in positional notation when the decimal exponent is
    /// from -4 to 16 and in scientific notation (at least two exponent digits) otherwise. Swift
    /// itself switches to scientific notation from 2^53, so the digits are laid out again here.
    static func pythonRepr(_ value: Double) -> String {
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let text = Array(abs(value).description.utf8)
        // value = 0.DIGITS × 10^point
        var digits: [UInt8] = []
        var point = 0
        var exponent = 0
        var seenDot = false
        var index = 0
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                exponent = Int(String(decoding: text[(index + 1)...], as: UTF8.self)) ?? 0
                break
            }
            if byte == UInt8(ascii: ".") {
                seenDot = true
            } else {
                digits.append(byte)
                if !seenDot { point += 1 }
            }
            index += 1
        }
        point += exponent
        var leading = 0
        while leading < digits.count, digits[leading] == UInt8(ascii: "0") { leading += 1 }
        digits.removeFirst(leading)
        point -= leading
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }
        if digits.isEmpty { return value.sign == .minus ? "-0.0" : "0.0" }
        var out: [UInt8] = value.sign == .minus ? [UInt8(ascii: "-")] : []
        let zero = UInt8(ascii: "0")
        if point <= -4 || point > 16 {
            out.append(digits[0])
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            let e = point - 1
            out.append(UInt8(ascii: "e"))
            out.append(e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            if abs(e) < 10 { out.append(zero) }
            out.append(contentsOf: String(abs(e)).utf8)
        } else if point <= 0 {
            out.append(contentsOf: [zero, UInt8(ascii: ".")])
            out.append(contentsOf: repeatElement(zero, count: -point))
            out.append(contentsOf: digits)
        } else if point >= digits.count {
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(zero, count: point - digits.count))
            out.append(contentsOf: [UInt8(ascii: "."), zero])
        } else {
            out.append(contentsOf: digits[..<point])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[point...])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
