/// Finds added tokens in text: leftmost-longest, non-overlapping matches (like the
/// Aho-Corasick automaton of the Rust library), then applies each token's `single_word`,
/// `lstrip` and `rstrip` rules.
struct AddedTokenMatcher: Sendable {
    /// A part of the text: either plain text or an added token.
    enum Segment: Equatable {
        case text(Range<Int>)
        case token(id: Int, range: Range<Int>)
    }

    /// One pattern: its bytes, the id it produces and its matching rules.
    struct Entry: Sendable {
        let id: Int
        let token: AddedToken
    }

    private let entries: [Entry]
    /// Trie over pattern bytes: children of each node, and the entry ending there (-1 if none).
    private let children: [[UInt8: Int]]
    private let terminal: [Int]
    /// Child of the root for each first byte (-1 if no pattern starts with it).
    private let rootChild: [Int]

    /// Builds a matcher for `(pattern, entry)` pairs; empty patterns are ignored.
    init(_ patterns: [(pattern: [UInt8], entry: Entry)]) {
        var children: [[UInt8: Int]] = [[:]]
        var terminal: [Int] = [-1]
        var entries: [Entry] = []
        for (pattern, entry) in patterns where !pattern.isEmpty {
            var node = 0
            for b in pattern {
                if let next = children[node][b] {
                    node = next
                } else {
                    children.append([:])
                    terminal.append(-1)
                    children[node][b] = children.count - 1
                    node = children.count - 1
                }
            }
            if terminal[node] < 0 {
                terminal[node] = entries.count
                entries.append(entry)
            }
        }
        var rootChild = [Int](repeating: -1, count: 256)
        for (b, child) in children[0] { rootChild[Int(b)] = child }
        self.children = children
        self.terminal = terminal
        self.entries = entries
        self.rootChild = rootChild
    }

    /// Whether there is nothing to match.
    var isEmpty: Bool { entries.isEmpty }

    /// Leftmost-longest non-overlapping matches as (entry index, byte range).
    private func rawMatches(_ text: [UInt8]) -> [(entry: Int, range: Range<Int>)] {
        var out: [(entry: Int, range: Range<Int>)] = []
        text.withUnsafeBufferPointer { p in
            var i = 0
            while i < p.count {
                var node = rootChild[Int(p[i])]
                if node < 0 { i += 1; continue }
                var best = -1, bestEnd = i
                var k = i + 1
                while true {
                    if terminal[node] >= 0 { best = terminal[node]; bestEnd = k }
                    guard k < p.count, let next = children[node][p[k]] else { break }
                    node = next
                    k += 1
                }
                if best >= 0 {
                    out.append((best, i..<bestEnd))
                    i = bestEnd
                } else {
                    i += 1
                }
            }
        }
        return out
    }

    /// Splits `text` into plain text and added tokens, covering it from start to end
    /// (the Rust library's `AddedVocabulary::find_matches`).
    func split(_ text: [UInt8]) -> [Segment] {
        let n = text.count
        var segments: [Segment] = []
        var startOffset = 0
        for (index, range) in rawMatches(text) {
            let token = entries[index].token
            var start = range.lowerBound, stop = range.upperBound
            if token.singleWord {
                let startSpace = start == 0 || !Self.isWord(Self.lastScalar(text, before: start))
                let stopSpace = stop == n || !Self.isWord(Self.firstScalar(text, at: stop))
                if !startSpace || !stopSpace { continue }
            }
            if token.lstrip {
                start = max(Self.whitespaceStart(text, before: start), startOffset)
            }
            if token.rstrip {
                stop = Self.whitespaceEnd(text, from: stop)
            }
            if startOffset < start { segments.append(.text(startOffset..<start)) }
            segments.append(.token(id: entries[index].id, range: start..<stop))
            startOffset = stop
        }
        if startOffset != n { segments.append(.text(startOffset..<n)) }
        return segments
    }

    private static func isWord(_ scalar: UInt32?) -> Bool {
        guard let scalar else { return false }
        return CharacterClass.isWord(scalar)
    }

    /// The scalar ending just before byte `end`.
    private static func lastScalar(_ text: [UInt8], before end: Int) -> UInt32? {
        guard end > 0 else { return nil }
        var s = end - 1
        while s > 0 && text[s] & 0xC0 == 0x80 { s -= 1 }
        return text.withUnsafeBufferPointer { UTF8Text.decode($0, at: s).scalar }
    }

    /// The scalar starting at byte `start`.
    private static func firstScalar(_ text: [UInt8], at start: Int) -> UInt32? {
        guard start < text.count else { return nil }
        return text.withUnsafeBufferPointer { UTF8Text.decode($0, at: start).scalar }
    }

    /// The start of the whitespace run that ends at byte `end`.
    private static func whitespaceStart(_ text: [UInt8], before end: Int) -> Int {
        var e = end
        while e > 0 {
            var s = e - 1
            while s > 0 && text[s] & 0xC0 == 0x80 { s -= 1 }
            guard let v = firstScalar(text, at: s), CharacterClass.isWhitespace(v) else { break }
            e = s
        }
        return e
    }

    /// The end of the whitespace run that starts at byte `start`.
    private static func whitespaceEnd(_ text: [UInt8], from start: Int) -> Int {
        var e = start
        text.withUnsafeBufferPointer { p in
            while e < p.count {
                let (v, n) = UTF8Text.decode(p, at: e)
                guard CharacterClass.isWhitespace(v) else { break }
                e += n
            }
        }
        return e
    }
}
