/// UTF-8 text decoded once into scalars with their character classes and byte offsets, for
/// the hand-written regex matchers.
struct DecodedText {
    /// The scalar values.
    var scalars: [UInt32] = []
    /// `CharacterClass` bits of each scalar.
    var classes: [UInt8] = []
    /// Byte offset of each scalar, plus one final entry equal to the byte count.
    var offsets: [Int] = []

    init(_ text: [UInt8]) {
        scalars.reserveCapacity(text.count)
        classes.reserveCapacity(text.count)
        offsets.reserveCapacity(text.count + 1)
        text.withUnsafeBufferPointer { p in
            var i = 0
            while i < p.count {
                let (s, n) = UTF8Text.decode(p, at: i)
                scalars.append(s)
                classes.append(CharacterClass.bits(s))
                offsets.append(i)
                i += n
            }
        }
        offsets.append(text.count)
    }

    /// Runs a matcher that, given a start index, returns the end of the match there
    /// (or `nil` if nothing matches at that index), over the whole text like `find_iter`.
    func findAll(_ matchAt: (UnsafeBufferPointer<UInt32>, UnsafeBufferPointer<UInt8>, Int) -> Int?) -> [Range<Int>] {
        var out: [Range<Int>] = []
        scalars.withUnsafeBufferPointer { s in
            classes.withUnsafeBufferPointer { c in
                offsets.withUnsafeBufferPointer { o in
                    var i = 0
                    while i < s.count {
                        if let end = matchAt(s, c, i), end > i {
                            out.append(o[i]..<o[end])
                            i = end
                        } else {
                            i += 1
                        }
                    }
                }
            }
        }
        return out
    }
}
