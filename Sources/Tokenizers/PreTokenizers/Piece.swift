/// One piece of text on its way through the pipeline (a "split" in the Rust library): the
/// normalized UTF-8 bytes, and whether it starts at offset 0 of the original input (which
/// Metaspace's `prepend_scheme: first` needs).
struct Piece: Sendable {
    /// Valid UTF-8.
    var bytes: [UInt8]
    /// Whether the piece begins at the very start of the original text.
    var atStart: Bool
}

/// How a split pattern's matches (the delimiters) are kept, as in the Rust library's
/// `SplitDelimiterBehavior`. Splitting `the-final--countdown` on `-`:
/// - removed: `the`, `final`, `countdown`
/// - isolated: `the`, `-`, `final`, `-`, `-`, `countdown`
/// - mergedWithPrevious: `the-`, `final-`, `-`, `countdown`
/// - mergedWithNext: `the`, `-final`, `-`, `-countdown`
/// - contiguous: `the`, `-`, `final`, `--`, `countdown`
enum SplitBehavior: String, Sendable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    /// Groups pattern spans into the byte ranges to keep.
    func ranges(_ spans: [PatternSpan]) -> [Range<Int>] {
        switch self {
        case .isolated:
            return spans.map(\.range)
        case .removed:
            return spans.filter { !$0.isMatch }.map(\.range)
        case .contiguous:
            var out: [Range<Int>] = []
            var previousMatch = false
            for span in spans {
                if span.isMatch == previousMatch, let last = out.last {
                    out[out.count - 1] = last.lowerBound..<span.range.upperBound
                } else {
                    out.append(span.range)
                }
                previousMatch = span.isMatch
            }
            return out
        case .mergedWithPrevious:
            var out: [Range<Int>] = []
            var previousMatch = false
            for span in spans {
                if span.isMatch && !previousMatch, let last = out.last {
                    out[out.count - 1] = last.lowerBound..<span.range.upperBound
                } else {
                    out.append(span.range)
                }
                previousMatch = span.isMatch
            }
            return out
        case .mergedWithNext:
            var out: [Range<Int>] = []
            var nextMatch = false
            for span in spans.reversed() {
                if span.isMatch && !nextMatch, let last = out.last {
                    out[out.count - 1] = span.range.lowerBound..<last.upperBound
                } else {
                    out.append(span.range)
                }
                nextMatch = span.isMatch
            }
            return out.reversed()
        }
    }
}

extension Piece {
    /// Splits the piece on `pattern` with `behavior`, appending the non-empty parts to `output`.
    func split(on pattern: any TextPattern, behavior: SplitBehavior, invert: Bool = false,
               into output: inout [Piece]) {
        let ranges = behavior.ranges(pattern.spans(in: bytes, invert: invert))
        append(ranges, into: &output)
    }

    /// Appends the non-empty sub-ranges of this piece as new pieces.
    func append(_ ranges: [Range<Int>], into output: inout [Piece]) {
        if ranges.count == 1, ranges[0].count == bytes.count {
            if !bytes.isEmpty { output.append(self) }
            return
        }
        for r in ranges where !r.isEmpty {
            output.append(Piece(bytes: Array(bytes[r]), atStart: atStart && r.lowerBound == 0))
        }
    }
}
