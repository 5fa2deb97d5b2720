import Foundation

/// A general regex pattern run by `NSRegularExpression` (ICU), for patterns without a
/// hand-written matcher. ICU and Oniguruma agree on the constructs tokenizer.json files use
/// (`\p{…}`, `\s`, look-ahead, `(?i:…)`), but this path is slower than the dedicated matchers.
struct RegexPattern: TextPattern {
    /// `NSRegularExpression` is documented as immutable and safe to share between threads.
    private final class Box: @unchecked Sendable {
        let regex: NSRegularExpression
        init(_ regex: NSRegularExpression) { self.regex = regex }
    }

    private let box: Box
    /// The regex source.
    let source: String

    /// Compiles `source`; throws a one-line error naming `component` if it is invalid.
    init(_ source: String, component: String) throws {
        do {
            box = Box(try NSRegularExpression(pattern: source, options: []))
        } catch {
            throw TokenizerError.malformed("\(component) has an invalid regex '\(source)'")
        }
        self.source = source
    }

    func matches(in text: [UInt8]) -> [Range<Int>] {
        guard !text.isEmpty else { return [] }
        let string = String(decoding: text, as: UTF8.self)
        // UTF-16 offset → UTF-8 offset, for every UTF-16 boundary.
        var utf8At = [Int](repeating: 0, count: string.utf16.count + 1)
        var u16 = 0, u8 = 0
        for scalar in string.unicodeScalars {
            let w16 = scalar.utf16.count, w8 = scalar.utf8.count
            for k in 0..<w16 { utf8At[u16 + k] = u8 }
            u16 += w16
            u8 += w8
        }
        utf8At[u16] = u8
        let ns = string as NSString
        var out: [Range<Int>] = []
        for m in box.regex.matches(in: string, options: [], range: NSRange(location: 0, length: ns.length)) {
            let r = m.range
            guard r.location != NSNotFound, r.length > 0 else { continue }
            out.append(utf8At[r.location]..<utf8At[r.location + r.length])
        }
        return out
    }
}
