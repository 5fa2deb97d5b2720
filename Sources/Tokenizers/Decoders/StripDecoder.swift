/// Removes up to `start` leading and `stop` trailing occurrences of a character from every
/// token (`Strip`).
struct StripDecoder: Decoder {
    let content: UInt32
    let start: Int
    let stop: Int

    func decodeChain(_ tokens: [[UInt8]]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        out.reserveCapacity(tokens.count)
        for token in tokens { out.append(strip(token)) }
        return out
    }

    /// Works on the ends of the UTF-8 bytes only, so long (fused) tokens stay cheap.
    private func strip(_ token: [UInt8]) -> [UInt8] {
        let c = UTF8Text.bytes(of: content)
        var lo = 0, removed = 0
        while removed < start && token.count - lo >= c.count && token[lo..<(lo + c.count)].elementsEqual(c) {
            lo += c.count
            removed += 1
        }
        var hi = token.count
        removed = 0
        while removed < stop && hi - lo >= c.count && token[(hi - c.count)..<hi].elementsEqual(c) {
            hi -= c.count
            removed += 1
        }
        if lo == 0 && hi == token.count { return token }
        return Array(token[lo..<hi])
    }
}
