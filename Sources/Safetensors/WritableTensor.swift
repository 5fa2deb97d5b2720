import Foundation
import Tensors

/// A tensor to be written: name, dtype, shape and its raw little-endian bytes.
public struct WritableTensor: Sendable {
    /// Tensor name (header key).
    public let name: String
    /// Element type.
    public let dtype: DType
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// Raw little-endian element bytes in row-major order (`product(shape)·byteSize` bytes).
    public let bytes: Data

    /// Creates a tensor from raw bytes. The byte count is checked when the tensor is added to a writer.
    public init(name: String, dtype: DType, shape: [Int], bytes: Data) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// Creates a tensor from raw bytes given as an array.
    public init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.init(name: name, dtype: dtype, shape: shape, bytes: Data(bytes))
    }

    /// Encodes `values` as a floating-point `dtype` (F32, F16, BF16 or F8_E4M3), rounding to
    /// nearest even (F8_E4M3 saturates to ±448, see `FloatBits`). Returns nil for integer dtypes.
    public init?(name: String, shape: [Int], floats values: [Float], as dtype: DType = .f32) {
        var out = Data(count: values.count * dtype.byteSize)
        let supported: Bool = out.withUnsafeMutableBytes { raw in
            switch dtype {
            case .f32:
                for (i, v) in values.enumerated() { raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
            case .f16:
                for (i, v) in values.enumerated() { raw.storeBytes(of: FloatBits.floatToF16(v).littleEndian, toByteOffset: i * 2, as: UInt16.self) }
            case .bf16:
                for (i, v) in values.enumerated() { raw.storeBytes(of: FloatBits.floatToBF16(v).littleEndian, toByteOffset: i * 2, as: UInt16.self) }
            case .f8e4m3:
                for (i, v) in values.enumerated() { raw[i] = FloatBits.floatToF8E4M3(v) }
            case .i8, .u8, .i32, .i64, .bool:
                return false
            }
            return true
        }
        guard supported else { return nil }
        self.init(name: name, dtype: dtype, shape: shape, bytes: out)
    }

    /// An I8 tensor.
    public init(name: String, shape: [Int], int8s values: [Int8]) {
        self.init(name: name, dtype: .i8, shape: shape, bytes: Self.littleEndianBytes(values))
    }

    /// A U8 tensor.
    public init(name: String, shape: [Int], uint8s values: [UInt8]) {
        self.init(name: name, dtype: .u8, shape: shape, bytes: Data(values))
    }

    /// An I32 tensor.
    public init(name: String, shape: [Int], int32s values: [Int32]) {
        self.init(name: name, dtype: .i32, shape: shape, bytes: Self.littleEndianBytes(values))
    }

    /// An I64 tensor.
    public init(name: String, shape: [Int], int64s values: [Int64]) {
        self.init(name: name, dtype: .i64, shape: shape, bytes: Self.littleEndianBytes(values))
    }

    /// A BOOL tensor (one byte per element, 0 or 1).
    public init(name: String, shape: [Int], bools values: [Bool]) {
        self.init(name: name, dtype: .bool, shape: shape, bytes: Data(values.map { $0 ? 1 : 0 }))
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> Data {
        #if _endian(little)
        return values.withUnsafeBytes { Data($0) }
        #else
        var out = Data(capacity: values.count * MemoryLayout<T>.size)
        for value in values {
            withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
        #endif
    }

    /// Checks the name and that the byte count matches shape and dtype; `path` is for messages.
    func validate(path: String) throws {
        if name == "__metadata__" {
            throw SafetensorsError(.invalidTensor, path: path, tensor: name, "\"__metadata__\" is reserved and cannot name a tensor")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw SafetensorsError(.negativeDimension, path: path, tensor: name, "shape \(TensorSize.describe(shape)) has a negative dimension")
        }
        guard let expected = TensorSize.byteCount(shape: shape, dtype: dtype) else {
            throw SafetensorsError(.sizeOverflow, path: path, tensor: name, "byte count of shape \(TensorSize.describe(shape)) × \(dtype.rawValue) overflows")
        }
        guard bytes.count == expected else {
            throw SafetensorsError(.invalidTensor, path: path, tensor: name,
                                   "shape \(TensorSize.describe(shape)) of \(dtype.rawValue) needs \(expected) bytes but \(bytes.count) were given")
        }
    }
}
