/// Byte-order comparison of strings (Rust's `String` ordering, and Python's code-point order),
/// unlike Swift's `<`, which compares canonically equivalent Unicode.
enum ByteOrder {
    static func precedes(_ left: String, _ right: String) -> Bool {
        left.utf8.lexicographicallyPrecedes(right.utf8)
    }
}
