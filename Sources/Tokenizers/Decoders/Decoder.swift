import JSON

/// Turns token strings back into text (tokenizer.json `decoder`). Tokens are UTF-8 bytes;
/// every decoder keeps them valid UTF-8, as Rust `String`s are.
protocol Decoder: Sendable {
    /// Transforms the list of token strings (the Rust library's `decode_chain`).
    func decodeChain(_ tokens: TokenList) -> TokenList
}

/// Builds decoders from their tokenizer.json objects.
enum DecoderFactory {
    static let supported = ["ByteLevel", "Replace", "ByteFallback", "Fuse", "Strip", "Metaspace", "BPEDecoder", "Sequence"]

    static func make(_ json: JSONValue) throws -> any Decoder {
        let config = try ComponentConfig(json, component: "decoder")
        let type = try config.requiredType()
        switch type {
        case "ByteLevel": return ByteLevelDecoder()
        case "Replace":
            let pattern = try makePattern(try config.pattern("pattern"), component: "decoder 'Replace'")
            return ReplaceDecoder(pattern: pattern, content: Array(try config.string("content").utf8))
        case "ByteFallback": return ByteFallbackDecoder()
        case "Fuse": return FuseDecoder()
        case "Strip":
            return StripDecoder(content: try config.scalar("content"),
                                start: try config.int("start", default: 0),
                                stop: try config.int("stop", default: 0))
        case "Metaspace":
            return MetaspaceDecoder(replacement: try config.scalar("replacement", default: 0x2581),
                                    prependScheme: try MetaspacePreTokenizer.prependScheme(config))
        case "BPEDecoder":
            return BPESuffixDecoder(suffix: Array((try config.optionalString("suffix") ?? "</w>").utf8))
        case "Sequence":
            return DecoderSequence(steps: try config.array("decoders").map(make))
        default:
            throw TokenizerError.unsupported("decoder", type: type, supported: supported)
        }
    }
}

/// Runs several decoders in order (`Sequence`).
struct DecoderSequence: Decoder {
    let steps: [any Decoder]

    func decodeChain(_ tokens: TokenList) -> TokenList {
        var tokens = tokens
        for step in steps { tokens = step.decodeChain(tokens) }
        return tokens
    }
}

/// Concatenates all tokens into one (`Fuse`).
struct FuseDecoder: Decoder {
    func decodeChain(_ tokens: TokenList) -> TokenList {
        TokenList(single: tokens.bytes)
    }
}

/// Replaces a pattern in every token (`Replace`, e.g. `▁` → space).
struct ReplaceDecoder: Decoder {
    let pattern: any TextPattern
    let content: [UInt8]

    func decodeChain(_ tokens: TokenList) -> TokenList {
        var out = TokenList()
        out.reserve(bytes: tokens.bytes.count + tokens.bytes.count / 2, tokens: tokens.count)
        if let literal = pattern as? LiteralPattern {
            content.withUnsafeBufferPointer { c in
                tokens.forEach { token, _ in
                    literal.appendReplacing(token, with: c, to: &out)
                    out.endToken()
                }
            }
        } else {
            tokens.forEach { token, _ in
                out.append(pattern.replacingMatches(in: Array(token), with: content))
            }
        }
        return out
    }
}

/// Replaces the end-of-word suffix with a space, or with nothing in the last token (`BPEDecoder`).
struct BPESuffixDecoder: Decoder {
    let suffix: [UInt8]

    func decodeChain(_ tokens: TokenList) -> TokenList {
        let pattern = LiteralPattern(suffix)
        var out = TokenList()
        tokens.forEach { token, i in
            out.append(pattern.replacingMatches(in: Array(token), with: i == tokens.count - 1 ? [] : [0x20]))
        }
        return out
    }
}
