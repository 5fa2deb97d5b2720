/// Maps byte-level alphabet characters back to bytes and decodes the result as UTF-8, with
/// U+FFFD for invalid sequences exactly like Rust's `String::from_utf8_lossy` (`ByteLevel`).
/// A token with a character outside the alphabet (e.g. an added token with a space) is
/// kept as its own UTF-8 bytes.
struct ByteLevelDecoder: Decoder {
    func decodeChain(_ tokens: [[UInt8]]) -> [[UInt8]] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tokens.reduce(0) { $0 + $1.count })
        for token in tokens {
            let start = bytes.count
            var ok = true
            token.withUnsafeBufferPointer { p in
                var i = 0
                while i < p.count {
                    let (s, n) = UTF8Text.decode(p, at: i)
                    guard let b = ByteLevelAlphabet.byte(for: s) else { ok = false; return }
                    bytes.append(b)
                    i += n
                }
            }
            if !ok {
                bytes.removeSubrange(start...)
                bytes.append(contentsOf: token)
            }
        }
        return [UTF8Text.repaired(bytes)]
    }
}
