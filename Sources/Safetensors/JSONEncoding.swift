/// JSON string escaping exactly as the two reference producers write it.
enum JSONEncoding {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends `text` as a quoted JSON string escaped like Rust's `serde_json` (used by the
    /// safetensors serializer): `"` and `\` are backslash-escaped, `\b \t \n \f \r` use their
    /// short forms, other bytes below 0x20 become `\u00xx` (lowercase hex); everything else,
    /// including DEL and non-ASCII, is written as raw UTF-8.
    static func appendSerdeString(_ text: String, to out: inout [UInt8]) {
        out.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x00..<0x20: appendUnicodeEscape(UInt32(byte), to: &out)
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }

    /// Appends `text` as a quoted JSON string escaped like Python's `json.dumps` with the
    /// default `ensure_ascii=True`: `"` `\` and `\b \f \n \r \t` as short escapes, every other
    /// character outside printable ASCII (0x20–0x7E) as `\uxxxx` (lowercase hex, UTF-16
    /// surrogate pairs above U+FFFF).
    static func appendPythonString(_ text: String, to out: inout [UInt8]) {
        out.append(0x22)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x20...0x7E: out.append(UInt8(scalar.value))
            case 0x10000...:
                let v = scalar.value - 0x10000
                appendUnicodeEscape(0xD800 + (v >> 10), to: &out)
                appendUnicodeEscape(0xDC00 + (v & 0x3FF), to: &out)
            default: appendUnicodeEscape(scalar.value, to: &out)
            }
        }
        out.append(0x22)
    }

    /// Appends `\uXXXX` with four lowercase hex digits.
    private static func appendUnicodeEscape(_ value: UInt32, to out: inout [UInt8]) {
        out.append(contentsOf: [0x5C, UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hexDigits[Int((value >> UInt32(shift)) & 0xF)])
        }
    }

    /// Appends the decimal form of an integer.
    static func appendInteger(_ value: Int, to out: inout [UInt8]) {
        out.append(contentsOf: String(value).utf8)
    }
}

/// Byte-order comparison of strings (Rust's `String` ordering, and Python's code-point order),
/// unlike Swift's `<`, which compares canonically equivalent Unicode.
enum ByteOrder {
    static func precedes(_ left: String, _ right: String) -> Bool {
        left.utf8.lexicographicallyPrecedes(right.utf8)
    }
}
