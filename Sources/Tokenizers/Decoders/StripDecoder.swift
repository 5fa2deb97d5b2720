/// Removes up to `start` leading and `stop` trailing occurrences of a character from every
/// token (`Strip`).
struct StripDecoder: Decoder {
    let content: UInt32
    let start: Int
    let stop: Int

    func decodeChain(_ tokens: TokenList) -> TokenList {
        let c = UTF8Text.bytes(of: content)
        var out = TokenList()
        out.reserve(bytes: tokens.bytes.count, tokens: tokens.count)
        tokens.forEach { token, _ in
            // Works on the UTF-8 ends only (a complete character's bytes can only match at a
            // character boundary), so long fused tokens stay cheap.
            var lo = 0, removed = 0
            while removed < start && token.count - lo >= c.count
                    && token[lo..<(lo + c.count)].elementsEqual(c) {
                lo += c.count
                removed += 1
            }
            var hi = token.count
            removed = 0
            while removed < stop && hi - lo >= c.count && token[(hi - c.count)..<hi].elementsEqual(c) {
                hi -= c.count
                removed += 1
            }
            out.append(UnsafeBufferPointer(rebasing: token[lo..<hi]))
        }
        return out
    }
}
