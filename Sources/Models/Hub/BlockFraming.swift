/// The message framing SHA-1 and SHA-256 share (FIPS 180-4 §5): bytes gathered into 64-byte blocks,
/// then 0x80, zeros and the 64-bit big-endian bit length; the digest is the state words in
/// big-endian hex. The hashers supply only their compression function.
struct BlockFraming: Sendable {
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    init() { buffer.reserveCapacity(64) }

    /// Feeds `bytes`, handing every complete 64-byte block to `compress` (whole blocks of `bytes`
    /// without copying).
    mutating func update(_ bytes: UnsafeRawBufferPointer, _ compress: (UnsafeRawBufferPointer) -> Void) {
        length &+= UInt64(bytes.count)
        var index = 0
        while index < bytes.count, !buffer.isEmpty {
            buffer.append(bytes[index]); index += 1
            if buffer.count == 64 { flush(compress) }
        }
        while bytes.count - index >= 64 {
            compress(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + 64)]))
            index += 64
        }
        while index < bytes.count { buffer.append(bytes[index]); index += 1 }
    }

    /// Pads the message and hands the last block(s) to `compress`.
    mutating func finish(_ compress: (UnsafeRawBufferPointer) -> Void) {
        let bitLength = length &* 8
        buffer.append(0x80)
        if buffer.count > 56 {
            while buffer.count < 64 { buffer.append(0) }
            flush(compress)
        }
        while buffer.count < 56 { buffer.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        flush(compress)
    }

    /// The state words as lowercase big-endian hex.
    static func hex(_ state: [UInt32]) -> String {
        state.map { word in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined()
    }

    private mutating func flush(_ compress: (UnsafeRawBufferPointer) -> Void) {
        buffer.withUnsafeBytes { compress($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
