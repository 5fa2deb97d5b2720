import Tensors

/// Header entry of one tensor in a safetensors file.
public struct TensorInfo: Sendable, Equatable {
    /// Tensor name (the header key).
    public let name: String
    /// Element type.
    public let dtype: DType
    /// Dimensions, outermost first (row-major / C order). Empty for a scalar.
    public let shape: [Int]
    /// Byte range relative to the start of the data section (the `data_offsets` pair).
    public let dataOffsets: Range<Int>

    /// Creates a tensor description.
    public init(name: String, dtype: DType, shape: [Int], dataOffsets: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.dataOffsets = dataOffsets
    }

    /// Number of elements: the product of `shape` (1 for a scalar).
    public var elementCount: Int {
        shape.reduce(1, *)
    }

    /// Number of data bytes (`dataOffsets.count`).
    public var byteCount: Int {
        dataOffsets.count
    }
}

/// Overflow-checked size arithmetic shared by the reader and the writers.
enum TensorSize {
    /// product(shape), or nil on overflow or a negative dimension.
    static func elementCount(_ shape: [Int]) -> Int? {
        var product = 1
        for dim in shape {
            guard dim >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            product = next
        }
        return product
    }

    /// product(shape) · byteSize, or nil on overflow or a negative dimension.
    static func byteCount(shape: [Int], dtype: DType) -> Int? {
        guard let elements = elementCount(shape) else { return nil }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        return overflow ? nil : bytes
    }

    /// Renders a shape as `[a, b, c]` for messages.
    static func describe(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }
}
