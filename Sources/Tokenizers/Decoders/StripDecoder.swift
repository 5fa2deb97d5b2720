/// Removes up to `start` leading and `stop` trailing occurrences of a character from every
/// token (`Strip`).
struct StripDecoder: Decoder {
    let content: UInt32
    let start: Int
    let stop: Int

    func decodeChain(_ tokens: [[UInt8]]) -> [[UInt8]] {
        tokens.map { token in
            let scalars = UTF8Text.scalars(token)
            var lo = 0
            while lo < min(start, scalars.count) && scalars[lo] == content { lo += 1 }
            var hi = scalars.count
            var removed = 0
            while removed < stop && hi > lo && scalars[hi - 1] == content {
                hi -= 1
                removed += 1
            }
            if lo == 0 && hi == scalars.count { return token }
            return UTF8Text.encode(Array(scalars[lo..<hi]))
        }
    }
}
