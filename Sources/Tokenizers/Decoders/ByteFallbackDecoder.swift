/// Turns runs of `<0xXX>` tokens back into the text they encode (`ByteFallback`). A run that
/// is not valid UTF-8 becomes one U+FFFD per byte, as in the Rust library.
struct ByteFallbackDecoder: Decoder {
    func decodeChain(_ tokens: TokenList) -> TokenList {
        var out = TokenList()
        out.reserve(bytes: tokens.bytes.count, tokens: tokens.count)
        var pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else { return }
            if UTF8Text.isValid(pending) {
                out.append(pending)
            } else {
                for _ in pending { out.append(UTF8Text.replacementCharacter) }
            }
            pending.removeAll(keepingCapacity: true)
        }
        tokens.forEach { token, _ in
            if let byte = Self.byteValue(token) {
                pending.append(byte)
            } else {
                flush()
                out.append(token)
            }
        }
        flush()
        return out
    }

    /// The byte of a `<0xXX>` token (6 bytes; the two characters parsed like Rust's
    /// `u8::from_str_radix(_, 16)`, which also accepts a leading `+`).
    static func byteValue(_ t: UnsafeBufferPointer<UInt8>) -> UInt8? {
        guard t.count == 6, t[0] == 0x3C, t[1] == 0x30, t[2] == 0x78, t[5] == 0x3E else { return nil }
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x41...0x46: return c - 0x41 + 10
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        if t[3] == 0x2B { return hex(t[4]) }
        guard let hi = hex(t[3]), let lo = hex(t[4]) else { return nil }
        return hi << 4 | lo
    }
}
