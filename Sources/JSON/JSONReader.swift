/// The state of one `JSONParser` parse: the position in the document and the containers open
/// around it (the parser's own stack).
struct JSONReader {
    /// A container being read.
    private struct Frame {
        let isObject: Bool
        var elements: [JSONValue] = []
        var members: [JSONMember] = []
        var key = ""
    }

    private let bytes: UnsafePointer<UInt8>
    private let count: Int
    private let maxDepth: Int
    private var position = 0
    private var frames: [Frame] = []
    /// Reused buffer for strings with escapes.
    private var scratch: [UInt8] = []

    init(bytes: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
        self.bytes = bytes
        self.count = count
        self.maxDepth = maxDepth
    }

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    private func failure(_ kind: JSONParseError.Kind, byte: UInt8? = nil) -> JSONParseError {
        JSONParseError(kind, offset: position, byte: byte)
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while position < count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard position < count else { throw failure(.emptyDocument) }
        while true {
            // A value starts at `position` (whitespace skipped).
            var value: JSONValue
            guard position < count else { throw failure(.unexpectedEndOfInput) }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = byte == UInt8(ascii: "{")
                guard frames.count < maxDepth else {
                    throw JSONParseError(.tooDeep, offset: position, limit: maxDepth)
                }
                position += 1
                skipWhitespace()
                if position < count, bytes[position] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    position += 1
                    value = isObject ? .object(JSONObject()) : .array([])
                } else {
                    frames.append(Frame(isObject: isObject))
                    if isObject { try readKey() }
                    continue
                }
            case Self.quote:
                value = .string(try readString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try readNumber())
            default:
                throw failure(.unexpectedCharacter, byte: byte)
            }
            // Hand the value to its container; close containers that end here.
            while true {
                skipWhitespace()
                guard !frames.isEmpty else {
                    guard position == count else { throw failure(.trailingCharacters) }
                    return value
                }
                let last = frames.count - 1
                let isObject = frames[last].isObject
                if isObject {
                    frames[last].members.append(JSONMember(key: frames[last].key, value: value))
                } else {
                    frames[last].elements.append(value)
                }
                guard position < count else { throw failure(isObject ? .unterminatedObject : .unterminatedArray) }
                let next = bytes[position]
                if next == UInt8(ascii: ",") {
                    position += 1
                    skipWhitespace()
                    if isObject { try readKey() }
                    break
                }
                guard next == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                    throw failure(isObject ? .expectedCommaOrBrace : .expectedCommaOrBracket)
                }
                position += 1
                let frame = frames.removeLast()
                value = isObject ? .object(JSONObject(frame.members)) : .array(frame.elements)
            }
        }
    }

    /// Reads `"key"`, whitespace and `:` into the innermost frame, leaving `position` at its value.
    private mutating func readKey() throws(JSONParseError) {
        guard position < count else { throw failure(.unterminatedObject) }
        guard bytes[position] == Self.quote else { throw failure(.expectedKey) }
        let key = try readString()
        skipWhitespace()
        guard position < count else { throw failure(.unterminatedObject) }
        guard bytes[position] == UInt8(ascii: ":") else { throw failure(.expectedColon) }
        position += 1
        skipWhitespace()
        frames[frames.count - 1].key = key
    }

    private mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
        let length = word.utf8CodeUnitCount
        guard count - position >= length else { throw failure(.invalidLiteral) }
        let expected = word.utf8Start
        for k in 0..<length where bytes[position + k] != expected[k] {
            throw failure(.invalidLiteral)
        }
        position += length
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// Exact powers of ten for the fast path of `readNumber`.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    private mutating func readNumber() throws(JSONParseError) -> JSONNumber {
        let start = position
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        guard position < count, Self.isDigit(bytes[position]) else { throw failure(.invalidNumber) }
        // The digits as an integer (mantissa for the fast floating-point path); `overflow` when
        // they do not fit in 64 bits.
        var magnitude: UInt64 = 0
        var overflow = false
        func accumulate(_ byte: UInt8) {
            if magnitude == 0 && byte == UInt8(ascii: "0") { return }
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            if o1 || o2 { overflow = true }
            magnitude = sum
        }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < count, Self.isDigit(bytes[position]) {
                accumulate(bytes[position])
                position += 1
            }
        }
        var isInteger = true
        var fractionDigits = 0
        if position < count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < count, Self.isDigit(bytes[position]) else { throw failure(.invalidNumberFraction) }
            while position < count, Self.isDigit(bytes[position]) {
                accumulate(bytes[position])
                fractionDigits += 1
                position += 1
            }
        }
        var exponent = 0
        var exponentTooLarge = false
        if position < count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            var exponentNegative = false
            if position < count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                exponentNegative = bytes[position] == UInt8(ascii: "-")
                position += 1
            }
            guard position < count, Self.isDigit(bytes[position]) else { throw failure(.invalidNumberExponent) }
            while position < count, Self.isDigit(bytes[position]) {
                if exponent < 100_000 {
                    exponent = exponent * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                } else {
                    exponentTooLarge = true
                }
                position += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        if isInteger {
            if !overflow {
                if !negative {
                    return JSONNumber(magnitude)
                }
                if magnitude <= UInt64(Int64.max) {
                    return JSONNumber(-Int64(magnitude))
                }
                if magnitude == UInt64(Int64.max) + 1 {
                    return JSONNumber(Int64.min)
                }
            }
            return JSONNumber(storage: .bigInteger(literal(from: start)))
        }
        // Clinger's fast path: the mantissa and the power of ten are both exact doubles, so one
        // multiplication or division rounds correctly.
        let scale = exponent - fractionDigits
        if !overflow, !exponentTooLarge, magnitude < (1 << 53), abs(scale) <= 22 {
            var value = Double(magnitude)
            value = scale < 0 ? value / Self.powersOfTen[-scale] : value * Self.powersOfTen[scale]
            return JSONNumber(negative ? -value : value)
        }
        // The literal is valid JSON, which Swift's correctly rounded parser reads; it gives
        // ±infinity past the Double range (tiny numbers round to zero, as everywhere).
        guard let value = Double(literal(from: start)), value.isFinite else {
            position = start
            throw failure(.numberOutOfRange)
        }
        return JSONNumber(value)
    }

    private func literal(from start: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: bytes + start, count: position - start), as: UTF8.self)
    }

    /// Reads a string starting at its opening quote; `position` ends after the closing quote.
    private mutating func readString() throws(JSONParseError) -> String {
        position += 1
        let start = position
        // Fast path: no escapes. Non-ASCII bytes are validated as UTF-8 sequences on the way.
        while position < count {
            let byte = bytes[position]
            if byte < 0x80 {
                if byte == Self.quote {
                    let text = String(decoding: UnsafeBufferPointer(start: bytes + start, count: position - start),
                                      as: UTF8.self)
                    position += 1
                    return text
                }
                if byte == Self.backslash { break }
                if byte < 0x20 { throw failure(.controlCharacterInString, byte: byte) }
                position += 1
            } else {
                guard let length = UTF8Validation.sequenceLength(bytes, at: position, count: count) else {
                    throw failure(.invalidUTF8)
                }
                position += length
            }
        }
        guard position < count else { throw failure(.unterminatedString) }
        // Slow path: copy and decode escapes, validating raw UTF-8 as it is copied.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: bytes + start, count: position - start))
        while position < count {
            let byte = bytes[position]
            if byte == Self.quote {
                position += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if byte < 0x20 { throw failure(.controlCharacterInString, byte: byte) }
            if byte == Self.backslash {
                position += 1
                try readEscape()
                continue
            }
            guard let length = UTF8Validation.sequenceLength(bytes, at: position, count: count) else {
                throw failure(.invalidUTF8)
            }
            scratch.append(contentsOf: UnsafeBufferPointer(start: bytes + position, count: length))
            position += length
        }
        throw failure(.unterminatedString)
    }

    /// Decodes the escape after a backslash (at `position`) into `scratch`.
    private mutating func readEscape() throws(JSONParseError) {
        guard position < count else { throw failure(.unterminatedString) }
        let byte = bytes[position]
        switch byte {
        case Self.quote: scratch.append(0x22)
        case Self.backslash: scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            position += 1
            var scalar = try readHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard count - position >= 2, bytes[position] == Self.backslash,
                      bytes[position + 1] == UInt8(ascii: "u") else {
                    throw failure(.loneLeadingSurrogate)
                }
                position += 2
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw failure(.invalidTrailingSurrogate) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw failure(.loneTrailingSurrogate)
            }
            appendUTF8(scalar)
            return
        default:
            throw failure(.invalidEscape, byte: byte)
        }
        position += 1
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard count - position >= 4 else { throw failure(.invalidUnicodeEscape) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure(.invalidUnicodeEscape)
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// Appends the UTF-8 encoding of a scalar value (not a surrogate, at most U+10FFFF).
    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
