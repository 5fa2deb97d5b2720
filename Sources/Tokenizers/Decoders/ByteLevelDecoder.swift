/// Maps byte-level alphabet characters back to bytes and decodes the result as UTF-8, with
/// U+FFFD for invalid sequences exactly like Rust's `String::from_utf8_lossy` (`ByteLevel`).
/// A token with a character outside the alphabet (e.g. an added token with a space) is
/// kept as its own UTF-8 bytes.
struct ByteLevelDecoder: Decoder {
    func decodeChain(_ tokens: TokenList) -> TokenList {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tokens.bytes.count)
        tokens.forEach { p, _ in
            let start = bytes.count
            var i = 0
            while i < p.count {
                let (s, n) = UTF8Text.decode(p, at: i)
                guard let b = ByteLevelAlphabet.byte(for: s) else {
                    bytes.removeSubrange(start...)
                    bytes.append(contentsOf: p)
                    return
                }
                bytes.append(b)
                i += n
            }
        }
        return TokenList(single: UTF8Text.repaired(bytes))
    }
}
