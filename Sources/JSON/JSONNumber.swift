/// A JSON number, kept exactly.
///
/// Integers written without a fraction or exponent are stored as `Int64` (or `UInt64` above
/// `Int64.max`) and come back exactly; an integer literal beyond both is kept as its digits.
/// Every other number is the `Double` nearest to its literal (correctly rounded, as Python's
/// `float()` and serde_json read it). A `JSONNumber` made in code may hold any `Double`,
/// NaN and infinities included; the parser never produces those.
public struct JSONNumber: Sendable, Equatable, CustomStringConvertible {
    enum Storage: Sendable {
        case int(Int64)
        case uint(UInt64)
        /// An integer literal outside the 64-bit ranges: optional `-`, then digits without
        /// leading zeros.
        case bigInteger(String)
        case double(Double)
    }

    let storage: Storage

    init(storage: Storage) {
        self.storage = storage
    }

    /// An integer.
    public init(_ value: Int) {
        storage = .int(Int64(value))
    }

    /// An integer.
    public init(_ value: Int64) {
        storage = .int(value)
    }

    /// An integer (stored as `Int64` when it fits, so equal integers compare equal).
    public init(_ value: UInt64) {
        if let signed = Int64(exactly: value) {
            storage = .int(signed)
        } else {
            storage = .uint(value)
        }
    }

    /// A floating-point number (a Python `float`): written with a fraction or exponent even when
    /// its value is integral.
    public init(_ value: Double) {
        storage = .double(value)
    }

    /// True when the number is an integer literal (no fraction, no exponent), as opposed to a
    /// floating-point number whose value may still be integral (`1.0`).
    public var isInteger: Bool {
        if case .double = storage { return false }
        return true
    }

    /// True when the number is below zero (`-0` and `-0.0` are not).
    public var isNegative: Bool {
        switch storage {
        case .int(let v): return v < 0
        case .uint: return false
        case .bigInteger(let digits): return digits.utf8.first == UInt8(ascii: "-")
        case .double(let d): return d < 0
        }
    }

    /// The value as an `Int64` when it is an integer that fits: an integer literal in range, or
    /// a floating-point number whose value is integral and at most 2^53 in magnitude (beyond
    /// that a `Double` no longer tells which integer was written).
    public var int64Value: Int64? {
        switch storage {
        case .int(let v): return v
        case .uint, .bigInteger: return nil
        case .double(let d):
            guard d.rounded(.towardZero) == d, abs(d) <= 9_007_199_254_740_992 else { return nil }
            return Int64(d)
        }
    }

    /// The value as an `Int` when it is an integer that fits (see `int64Value`).
    public var intValue: Int? {
        if case .uint(let v) = storage { return Int(exactly: v) }
        return int64Value.flatMap { Int(exactly: $0) }
    }

    /// The value as a `UInt64` when it is a non-negative integer that fits (see `int64Value`).
    public var uint64Value: UInt64? {
        if case .uint(let v) = storage { return v }
        return int64Value.flatMap { UInt64(exactly: $0) }
    }

    /// The nearest `Double` (exact for floating-point numbers and for integers up to 2^53).
    public var doubleValue: Double {
        switch storage {
        case .int(let v): return Double(v)
        case .uint(let v): return Double(v)
        case .bigInteger(let digits): return Double(digits) ?? (isNegative ? -.infinity : .infinity)
        case .double(let d): return d
        }
    }

    /// The floating-point value, or nil for an integer literal.
    public var floatingPointValue: Double? {
        if case .double(let d) = storage { return d }
        return nil
    }

    /// The number as the compact layout writes it: integers in decimal, floating-point numbers
    /// as Python's `repr` (shortest digits that read back to the same `Double`).
    public var description: String {
        switch storage {
        case .int(let v): return String(v)
        case .uint(let v): return String(v)
        case .bigInteger(let digits): return digits
        case .double(let d): return JSONFloatFormat.python.text(d)
        }
    }

    /// Numbers are equal when they are the same kind (integer or floating point) with the same
    /// value; floating-point numbers compare by bit pattern, so `-0.0` differs from `0.0` (they
    /// are written differently) and a NaN equals itself.
    public static func == (left: JSONNumber, right: JSONNumber) -> Bool {
        switch (left.storage, right.storage) {
        case (.int(let a), .int(let b)): return a == b
        case (.uint(let a), .uint(let b)): return a == b
        case (.bigInteger(let a), .bigInteger(let b)): return a == b
        case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern
        default: return false
        }
    }
}
