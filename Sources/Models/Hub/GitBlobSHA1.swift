import Foundation

/// Incremental SHA-1 (FIPS 180-4) of a git blob: `sha1("blob <size>\0" + content)`, the ETag the Hub
/// gives files stored in git rather than LFS.
public struct GitBlobSHA1: Sendable {
    private var state: [UInt32] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]
    private var framing = BlockFraming()

    /// A hasher for a blob of `size` bytes (the git header is fed first).
    public init(blobSize size: UInt64) {
        update(Array("blob \(size)\u{0}".utf8))
    }

    /// Feeds `bytes` (an array, `Data`…).
    public mutating func update<Bytes: ContiguousBytes>(_ bytes: Bytes) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds the bytes of a raw buffer, whole blocks without copying.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var state = self.state
        framing.update(bytes) { Self.compress(&state, block: $0) }
        self.state = state
    }

    /// The digest as 40 lowercase hex digits.
    public mutating func finalizeHex() -> String {
        var state = self.state
        framing.finish { Self.compress(&state, block: $0) }
        self.state = state
        return BlockFraming.hex(state)
    }

    private static func compress(_ state: inout [UInt32], block: UnsafeRawBufferPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
            compress(&state, block: block, schedule: w)
        }
    }

    private static func compress(_ state: inout [UInt32], block: UnsafeRawBufferPointer, schedule w: UnsafeMutableBufferPointer<UInt32>) {
        for t in 0..<16 {
            w[t] = UInt32(block[4 * t]) << 24 | UInt32(block[4 * t + 1]) << 16 | UInt32(block[4 * t + 2]) << 8 | UInt32(block[4 * t + 3])
        }
        for t in 16..<80 { w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1) }
        var a = state[0], b = state[1], c = state[2], d = state[3], e = state[4]
        for t in 0..<80 {
            let f: UInt32, k: UInt32
            switch t {
            case 0..<20: f = (b & c) | (~b & d); k = 0x5A827999
            case 20..<40: f = b ^ c ^ d; k = 0x6ED9EBA1
            case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC
            default: f = b ^ c ^ d; k = 0xCA62C1D6
            }
            let temp = rotl(a, 5) &+ f &+ e &+ k &+ w[t]
            e = d; d = c; c = rotl(b, 30); b = a; a = temp
        }
        state[0] &+= a; state[1] &+= b; state[2] &+= c; state[3] &+= d; state[4] &+= e
    }

    @inline(__always) private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 - n)) }
}
