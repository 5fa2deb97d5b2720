/// GPT-2's reversible byte ↔ Unicode mapping: every byte gets a printable character, so a
/// byte-level BPE vocabulary can be stored as text.
///
/// Printable Latin-1 bytes (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) map to themselves; the remaining 68
/// bytes map, in increasing order, to U+0100, U+0101, …
enum ByteLevelAlphabet {
    /// The scalar for each byte.
    static let scalarForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if isPrintable(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// The UTF-8 encoding of each byte's scalar (1 or 2 bytes), packed: the low byte is the
    /// first UTF-8 byte, the next byte the second one (0 when there is none).
    static let packedUTF8ForByte = LookupTable<UInt16>(scalarForByte.map { s in
        let u = UTF8Text.bytes(of: s)
        return UInt16(u[0]) | (u.count > 1 ? UInt16(u[1]) << 8 : 0)
    })

    /// The byte for each scalar below 512 that is part of the alphabet, or -1.
    static let byteForScalar: LookupTable<Int16> = {
        var table = [Int16](repeating: -1, count: 512)
        for (b, s) in scalarForByte.enumerated() {
            table[Int(s)] = Int16(b)
        }
        return LookupTable(table)
    }()

    /// The byte a scalar stands for, or `nil` if the scalar is not in the alphabet.
    @inline(__always)
    static func byte(for scalar: UInt32) -> UInt8? {
        guard scalar < 512 else { return nil }
        let b = byteForScalar[Int(scalar)]
        return b < 0 ? nil : UInt8(b)
    }

    private static func isPrintable(_ b: Int) -> Bool {
        (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
    }

    /// Maps raw UTF-8 bytes to the UTF-8 of their alphabet characters.
    static func encode(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let table = packedUTF8ForByte
        var length = 0
        for b in bytes { length += b >= 0x21 && b <= 0x7E ? 1 : 2 }
        return [UInt8](unsafeUninitializedCapacity: length) { out, initialized in
            var k = 0
            for b in bytes {
                let packed = table[Int(b)]
                out[k] = UInt8(truncatingIfNeeded: packed)
                k += 1
                if packed > 0xFF {
                    out[k] = UInt8(truncatingIfNeeded: packed >> 8)
                    k += 1
                }
            }
            initialized = k
        }
    }

    /// Maps raw UTF-8 bytes to the UTF-8 of their alphabet characters.
    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { encode($0) }
    }
}
