/// An immutable table of values behind a raw pointer, for lookups in hot loops without
/// the reference counting and exclusivity checks of a global `Array`.
///
/// The storage is allocated once and never freed or written after `init` returns, which
/// is what makes sharing it between threads safe.
struct LookupTable<Element: BitwiseCopyable>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<Element>
    /// The number of entries.
    let count: Int

    /// Copies `values` into permanent storage.
    init(_ values: [Element]) {
        count = values.count
        base = UnsafeMutablePointer<Element>.allocate(capacity: max(1, values.count))
        for (i, v) in values.enumerated() { (base + i).initialize(to: v) }
    }

    @inline(__always)
    subscript(i: Int) -> Element { base[i] }

    /// The storage as a buffer pointer.
    var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }
}
