import Foundation

/// Helpers for working on UTF-8 byte arrays instead of `String`.
///
/// The whole pipeline works on `[UInt8]` holding valid UTF-8: Swift's `String` compares by
/// canonical equivalence and iterates grapheme clusters, while the Rust `tokenizers` library
/// works on exact Unicode scalars.
enum UTF8Text {
    /// The length in bytes of the UTF-8 sequence that starts with `lead`
    /// (1 for ASCII and for stray continuation bytes, so loops always advance).
    @inline(__always)
    static func sequenceLength(lead: UInt8) -> Int {
        if lead < 0xC0 { return 1 }
        if lead < 0xE0 { return 2 }
        if lead < 0xF0 { return 3 }
        return 4
    }

    /// Decodes the scalar starting at `i` in valid UTF-8 and returns it with its byte length.
    /// Truncated input yields the bytes present (never reads past `bytes.count`).
    @inline(__always)
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (scalar: UInt32, length: Int) {
        let b0 = bytes[i]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        let n = min(sequenceLength(lead: b0), bytes.count - i)
        var value: UInt32
        switch n {
        case 2: value = UInt32(b0 & 0x1F)
        case 3: value = UInt32(b0 & 0x0F)
        case 4: value = UInt32(b0 & 0x07)
        default: return (UInt32(b0), 1)
        }
        var k = 1
        while k < n {
            value = (value << 6) | UInt32(bytes[i + k] & 0x3F)
            k += 1
        }
        return (value, n)
    }

    /// Appends the UTF-8 encoding of `scalar` to `out`.
    @inline(__always)
    static func append(_ scalar: UInt32, to out: inout [UInt8]) {
        if scalar < 0x80 {
            out.append(UInt8(scalar))
        } else if scalar < 0x800 {
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        } else if scalar < 0x10000 {
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (scalar >> 18)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// The UTF-8 bytes of a single scalar.
    static func bytes(of scalar: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        append(scalar, to: &out)
        return out
    }

    /// The scalars of valid UTF-8 `bytes`.
    static func scalars(_ bytes: [UInt8]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(bytes.count)
        bytes.withUnsafeBufferPointer { p in
            var i = 0
            while i < p.count {
                let (s, n) = decode(p, at: i)
                out.append(s)
                i += n
            }
        }
        return out
    }

    /// Encodes scalars back to UTF-8.
    static func encode(_ scalars: [UInt32]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(scalars.count)
        for s in scalars { append(s, to: &out) }
        return out
    }

    /// Builds a `String` from bytes that are known to be valid UTF-8 (invalid input is repaired).
    static func string(_ bytes: [UInt8]) -> String {
        String(decoding: repaired(bytes), as: UTF8.self)
    }

    /// The length of the valid UTF-8 sequence starting at `i`, or `nil` if the bytes there
    /// do not start a valid sequence. On `nil`, `invalidLength` receives the length of the
    /// maximal invalid prefix (Unicode "maximal subpart"), always at least 1.
    static func validSequenceLength(_ p: UnsafeBufferPointer<UInt8>, at i: Int,
                                    invalidLength: inout Int) -> Int? {
        let b0 = p[i]
        if b0 < 0x80 { return 1 }
        // Expected length and the allowed range of the second byte (Unicode Table 3-7).
        let need: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: need = 2
        case 0xE0: need = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 3
        case 0xED: need = 3; hi = 0x9F
        case 0xF0: need = 4; lo = 0x90
        case 0xF1...0xF3: need = 4
        case 0xF4: need = 4; hi = 0x8F
        default:
            invalidLength = 1
            return nil
        }
        var k = 1
        while k < need {
            guard i + k < p.count else { invalidLength = k; return nil }
            let b = p[i + k]
            let ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF)
            if !ok { invalidLength = k; return nil }
            k += 1
        }
        return need
    }

    /// Whether `bytes` is entirely valid UTF-8.
    static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { p in
            var i = 0
            var bad = 0
            while i < p.count {
                if p[i] < 0x80 { i += 1; continue }
                guard let n = validSequenceLength(p, at: i, invalidLength: &bad) else { return false }
                i += n
            }
            return true
        }
    }

    /// The bytes with every maximal invalid subpart replaced by U+FFFD, exactly like Rust's
    /// `String::from_utf8_lossy`. Valid input is returned unchanged.
    static func repaired(_ bytes: [UInt8]) -> [UInt8] {
        if isValid(bytes) { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        bytes.withUnsafeBufferPointer { p in
            var i = 0
            var bad = 0
            while i < p.count {
                if let n = validSequenceLength(p, at: i, invalidLength: &bad) {
                    out.append(contentsOf: p[i..<(i + n)])
                    i += n
                } else {
                    out.append(contentsOf: replacementCharacter)
                    i += bad
                }
            }
        }
        return out
    }

    /// The concatenation of byte strings, with `separator` between them (bulk copies, fast
    /// even in debug builds).
    static func concatenate(_ parts: [[UInt8]], separator: [UInt8] = []) -> [UInt8] {
        var total = separator.count * max(0, parts.count - 1)
        for p in parts { total += p.count }
        return [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
            guard let base = out.baseAddress else { initialized = 0; return }
            var k = 0
            for (i, part) in parts.enumerated() {
                if i > 0 && !separator.isEmpty {
                    separator.withUnsafeBufferPointer { s in
                        if let sb = s.baseAddress { (base + k).update(from: sb, count: s.count) }
                    }
                    k += separator.count
                }
                part.withUnsafeBufferPointer { p in
                    if let pb = p.baseAddress { (base + k).update(from: pb, count: p.count) }
                }
                k += part.count
            }
            initialized = k
        }
    }

    /// U+FFFD REPLACEMENT CHARACTER in UTF-8.
    static let replacementCharacter: [UInt8] = [0xEF, 0xBF, 0xBD]
}

/// A hashable wrapper around UTF-8 bytes: compares byte for byte (never by canonical
/// equivalence) and hashes the raw buffer in one call.
struct ByteKey: Hashable, Sendable {
    /// The UTF-8 bytes.
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }
    init(_ string: String) { self.bytes = Array(string.utf8) }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (lhs: ByteKey, rhs: ByteKey) -> Bool {
        lhs.bytes.count == rhs.bytes.count && lhs.bytes.withUnsafeBufferPointer { a in
            rhs.bytes.withUnsafeBufferPointer { b in
                guard let pa = a.baseAddress, let pb = b.baseAddress else { return true }
                return memcmp(pa, pb, a.count) == 0
            }
        }
    }
}
