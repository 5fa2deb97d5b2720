import Foundation

/// Unicode normalization forms NFC, NFD, NFKC and NFKD (via Foundation).
struct UnicodeNormalizer: Normalizer {
    enum Form: Sendable { case nfc, nfd, nfkc, nfkd }

    let form: Form

    func normalize(_ text: [UInt8]) -> [UInt8] {
        // ASCII is invariant under every normalization form.
        if !text.contains(where: { $0 >= 0x80 }) { return text }
        let string = String(decoding: text, as: UTF8.self)
        let result: String
        switch form {
        case .nfc: result = string.precomposedStringWithCanonicalMapping
        case .nfd: result = string.decomposedStringWithCanonicalMapping
        case .nfkc: result = string.precomposedStringWithCompatibilityMapping
        case .nfkd: result = string.decomposedStringWithCompatibilityMapping
        }
        return Array(result.utf8)
    }
}
