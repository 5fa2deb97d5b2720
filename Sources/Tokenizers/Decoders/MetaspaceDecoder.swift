/// Turns the Metaspace replacement character back into spaces (`Metaspace`). Unless the
/// prepend scheme is `never`, replacement characters in the first token are dropped instead,
/// as in the Rust library.
struct MetaspaceDecoder: Decoder {
    let replacement: UInt32
    let prependScheme: MetaspacePreTokenizer.PrependScheme

    func decodeChain(_ tokens: TokenList) -> TokenList {
        var out = TokenList()
        out.reserve(bytes: tokens.bytes.count, tokens: tokens.count)
        tokens.forEach { p, index in
            var i = 0
            while i < p.count {
                let (s, n) = UTF8Text.decode(p, at: i)
                if s == replacement {
                    if !(index == 0 && prependScheme != .never) { out.appendByte(0x20) }
                } else {
                    out.appendBytes(UnsafeBufferPointer(rebasing: p[i..<(i + n)]))
                }
                i += n
            }
            out.endToken()
        }
        return out
    }
}
