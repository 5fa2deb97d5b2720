/// Unicode character classes as the Rust `tokenizers` library (Oniguruma / `regex` crate /
/// Rust `char` methods) sees them, looked up by scalar value.
///
/// - letter: `\p{L}` (general categories Lu, Ll, Lt, Lm, Lo)
/// - number: `\p{N}` and Rust `char::is_numeric` (Nd, Nl, No)
/// - whitespace: `\s` and Rust `char::is_whitespace` (the Unicode White_Space property)
/// - word: Rust regex `\w` (Alphabetic, Mark, Nd, Pc, Join_Control)
/// - mark: general category Mark (Mn, Mc, Me)
enum CharacterClass {
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let whitespace: UInt8 = 4
    static let word: UInt8 = 8
    static let mark: UInt8 = 16

    /// Class bits for every scalar of the Basic Multilingual Plane, computed once.
    static let bmpTable = LookupTable<UInt8>((0..<0x10000).map { computeBits(UInt32($0)) })

    /// The class bits of a scalar value.
    @inline(__always)
    static func bits(_ v: UInt32) -> UInt8 {
        if v < 0x10000 { return bmpTable[Int(v)] }
        return computeBits(v)
    }

    @inline(__always) static func isLetter(_ v: UInt32) -> Bool { bits(v) & letter != 0 }
    @inline(__always) static func isNumber(_ v: UInt32) -> Bool { bits(v) & number != 0 }
    @inline(__always) static func isWhitespace(_ v: UInt32) -> Bool { bits(v) & whitespace != 0 }
    @inline(__always) static func isWord(_ v: UInt32) -> Bool { bits(v) & word != 0 }
    @inline(__always) static func isMark(_ v: UInt32) -> Bool { bits(v) & mark != 0 }

    private static func computeBits(_ v: UInt32) -> UInt8 {
        guard let scalar = Unicode.Scalar(v) else { return 0 }
        let p = scalar.properties
        var b: UInt8 = 0
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            b |= letter
        case .decimalNumber:
            b |= number | word
        case .letterNumber, .otherNumber:
            b |= number
        case .nonspacingMark, .spacingMark, .enclosingMark:
            b |= mark | word
        case .connectorPunctuation:
            b |= word
        default:
            break
        }
        if p.isWhitespace { b |= whitespace }
        if p.isAlphabetic || p.isJoinControl { b |= word }
        return b
    }
}
