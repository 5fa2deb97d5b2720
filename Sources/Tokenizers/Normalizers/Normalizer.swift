import JSON

/// Transforms text before pre-tokenization (tokenizer.json `normalizer`), e.g. replacing
/// spaces with `▁` or applying Unicode normalization.
protocol Normalizer: Sendable {
    /// Normalizes valid UTF-8 text, returning valid UTF-8.
    func normalize(_ text: [UInt8]) -> [UInt8]
}

/// Builds normalizers from their tokenizer.json objects.
enum NormalizerFactory {
    static let supported = ["Sequence", "Prepend", "Replace", "NFC", "NFD", "NFKC", "NFKD",
                            "Lowercase", "Strip", "StripAccents"]

    static func make(_ json: JSONValue) throws -> any Normalizer {
        let config = try ComponentConfig(json, component: "normalizer")
        let type = try config.requiredType()
        switch type {
        case "Sequence":
            return NormalizerSequence(steps: try config.array("normalizers").map(make))
        case "Prepend":
            return PrependNormalizer(prefix: Array(try config.string("prepend").utf8))
        case "Replace":
            return try ReplaceNormalizer(config)
        case "NFC": return UnicodeNormalizer(form: .nfc)
        case "NFD": return UnicodeNormalizer(form: .nfd)
        case "NFKC": return UnicodeNormalizer(form: .nfkc)
        case "NFKD": return UnicodeNormalizer(form: .nfkd)
        case "Lowercase": return LowercaseNormalizer()
        case "Strip":
            return StripNormalizer(left: try config.bool("strip_left", default: true),
                                   right: try config.bool("strip_right", default: true))
        case "StripAccents": return StripAccentsNormalizer()
        default:
            throw TokenizerError.unsupported("normalizer", type: type, supported: supported)
        }
    }
}

/// Applies several normalizers in order (`Sequence`).
struct NormalizerSequence: Normalizer {
    let steps: [any Normalizer]

    func normalize(_ text: [UInt8]) -> [UInt8] {
        var text = text
        for step in steps { text = step.normalize(text) }
        return text
    }
}

/// Prepends a string to non-empty text (`Prepend`).
struct PrependNormalizer: Normalizer {
    let prefix: [UInt8]

    func normalize(_ text: [UInt8]) -> [UInt8] {
        text.isEmpty ? text : prefix + text
    }
}

/// Replaces every match of a literal or regex pattern with `content` (`Replace`).
struct ReplaceNormalizer: Normalizer {
    let pattern: any TextPattern
    let content: [UInt8]

    init(pattern: any TextPattern, content: [UInt8]) {
        self.pattern = pattern
        self.content = content
    }

    init(_ config: ComponentConfig) throws {
        pattern = try makePattern(try config.pattern("pattern"), component: "\(config.component) 'Replace'")
        content = Array(try config.string("content").utf8)
    }

    func normalize(_ text: [UInt8]) -> [UInt8] {
        pattern.replacingMatches(in: text, with: content)
    }
}

/// Lower-cases every character with its full, context-free Unicode mapping, like Rust's
/// `char::to_lowercase` (`Lowercase`).
struct LowercaseNormalizer: Normalizer {
    func normalize(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        for v in UTF8Text.scalars(text) {
            if v < 0x80 {
                out.append(v >= 0x41 && v <= 0x5A ? UInt8(v + 0x20) : UInt8(v))
            } else if let s = Unicode.Scalar(v) {
                out.append(contentsOf: s.properties.lowercaseMapping.utf8)
            }
        }
        return out
    }
}

/// Removes leading and/or trailing whitespace (Unicode White_Space) (`Strip`).
struct StripNormalizer: Normalizer {
    let left: Bool
    let right: Bool

    func normalize(_ text: [UInt8]) -> [UInt8] {
        let scalars = UTF8Text.scalars(text)
        var lo = 0, hi = scalars.count
        if left { while lo < hi && CharacterClass.isWhitespace(scalars[lo]) { lo += 1 } }
        if right { while hi > lo && CharacterClass.isWhitespace(scalars[hi - 1]) { hi -= 1 } }
        if lo == 0 && hi == scalars.count { return text }
        return UTF8Text.encode(Array(scalars[lo..<hi]))
    }
}

/// Removes combining marks (general category M) (`StripAccents`).
struct StripAccentsNormalizer: Normalizer {
    func normalize(_ text: [UInt8]) -> [UInt8] {
        UTF8Text.encode(UTF8Text.scalars(text).filter { !CharacterClass.isMark($0) })
    }
}
