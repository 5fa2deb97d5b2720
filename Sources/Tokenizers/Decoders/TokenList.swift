/// A list of token strings stored back to back in one UTF-8 buffer, so decoders can
/// transform thousands of tokens without one allocation per token.
struct TokenList {
    /// All tokens' bytes, concatenated.
    private(set) var bytes: [UInt8] = []
    /// The end offset in `bytes` of each token.
    private(set) var ends: [Int] = []

    init() {}

    /// A list holding the given tokens.
    init(_ tokens: [[UInt8]]) {
        for t in tokens { append(t) }
    }

    /// A list with a single token.
    init(single bytes: [UInt8]) {
        self.bytes = bytes
        self.ends = [bytes.count]
    }

    /// The number of tokens.
    var count: Int { ends.count }

    /// The byte range of token `i`.
    @inline(__always)
    func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : ends[i - 1])..<ends[i] }

    /// The tokens as separate arrays.
    var tokens: [[UInt8]] { (0..<count).map { Array(bytes[range($0)]) } }

    mutating func reserve(bytes n: Int, tokens t: Int) {
        bytes.reserveCapacity(n)
        ends.reserveCapacity(t)
    }

    /// Appends a whole token.
    mutating func append(_ token: [UInt8]) {
        bytes.append(contentsOf: token)
        ends.append(bytes.count)
    }

    /// Appends a whole token given as a buffer.
    mutating func append(_ token: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: token)
        ends.append(bytes.count)
    }

    /// Appends bytes to the token being built (finish it with `endToken`).
    mutating func appendBytes(_ part: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: part)
    }

    /// Appends bytes to the token being built (finish it with `endToken`).
    mutating func appendBytes(_ part: [UInt8]) {
        bytes.append(contentsOf: part)
    }

    /// Appends one byte to the token being built.
    mutating func appendByte(_ b: UInt8) {
        bytes.append(b)
    }

    /// Ends the token being built.
    mutating func endToken() {
        ends.append(bytes.count)
    }

    /// Calls `body` with each token's bytes and index.
    func forEach(_ body: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        bytes.withUnsafeBufferPointer { p in
            ends.withUnsafeBufferPointer { e in
                var start = 0
                var i = 0
                while i < e.count {
                    body(UnsafeBufferPointer(rebasing: p[start..<e[i]]), i)
                    start = e[i]
                    i += 1
                }
            }
        }
    }
}
