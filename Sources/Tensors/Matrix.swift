/// A dense row-major fp32 matrix: the one tensor type the forward pass needs.
public struct Matrix: Sendable, Equatable {
    /// Number of rows (tokens for activations, output features for weights).
    public let rows: Int
    /// Number of columns (features).
    public let cols: Int
    /// Row-major elements, `rows * cols` of them.
    public var data: [Float]

    /// A zero-filled matrix.
    public init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        self.data = [Float](repeating: 0, count: rows * cols)
    }

    /// A rows × cols matrix whose every element `fill` writes before it is read: no zeroing pass.
    /// `fill` receives the buffer of rows·cols floats and must initialize all of them; it is not
    /// called for an empty matrix.
    public init(rows: Int, cols: Int, filling fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        self.rows = rows
        self.cols = cols
        self.data = [Float](unsafeUninitializedCapacity: rows * cols) { buffer, initialized in
            if rows * cols > 0 { fill(buffer) }
            initialized = rows * cols
        }
    }

    /// Wraps existing row-major data; `data.count` must equal `rows * cols`.
    public init(rows: Int, cols: Int, data: [Float]) {
        precondition(data.count == rows * cols, "Matrix data count \(data.count) != \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    /// Element count.
    @inlinable public var count: Int { rows * cols }

    /// Element at (row, col).
    @inlinable public subscript(row: Int, col: Int) -> Float {
        get { data[row * cols + col] }
        set { data[row * cols + col] = newValue }
    }

    /// Rounds every element to bf16 in place.
    public mutating func roundToBF16() {
        let n = count
        data.withUnsafeMutableBufferPointer { VectorMath.roundToBF16($0.baseAddress!, count: n) }
    }

    /// A copy of one row.
    public func row(_ index: Int) -> [Float] {
        Array(data[(index * cols)..<((index + 1) * cols)])
    }

    /// A copy of rows `range`.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, cols: cols, data: Array(data[(range.lowerBound * cols)..<(range.upperBound * cols)]))
    }
}
