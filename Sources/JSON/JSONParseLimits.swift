/// Bounds a parse enforces, so a corrupt or hostile document fails with an error instead of
/// exhausting memory.
public struct JSONParseLimits: Sendable, Equatable {
    /// The deepest nesting of arrays and objects accepted (the top-level container is level 1).
    public var maxDepth: Int
    /// The longest document accepted, in bytes.
    public var maxBytes: Int

    /// Limits of `maxDepth` levels and `maxBytes` bytes.
    public init(maxDepth: Int = 512, maxBytes: Int = 1 << 30) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }

    /// 512 levels (as Foundation's `JSONSerialization`), 1 GiB.
    public static let `default` = JSONParseLimits()
}
