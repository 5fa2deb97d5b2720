/// Turns the Metaspace replacement character back into spaces (`Metaspace`). Unless the
/// prepend scheme is `never`, replacement characters in the first token are dropped instead,
/// as in the Rust library.
struct MetaspaceDecoder: Decoder {
    let replacement: UInt32
    let prependScheme: MetaspacePreTokenizer.PrependScheme

    func decodeChain(_ tokens: [[UInt8]]) -> [[UInt8]] {
        tokens.enumerated().map { i, token in
            var out: [UInt8] = []
            out.reserveCapacity(token.count)
            for s in UTF8Text.scalars(token) {
                if s == replacement {
                    if i == 0 && prependScheme != .never { continue }
                    out.append(0x20)
                } else {
                    UTF8Text.append(s, to: &out)
                }
            }
            return out
        }
    }
}
