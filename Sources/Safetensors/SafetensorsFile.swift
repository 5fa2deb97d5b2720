import Foundation
import Tensors

/// A memory-mapped, validated safetensors file. Tensor bytes are touched only when read.
///
/// The header is fully validated at `init` (see `SafetensorsError.Kind` for every check), so
/// every tensor's range lies inside the file afterwards. Instances are immutable and can be
/// shared across tasks.
public final class SafetensorsFile: @unchecked Sendable {
    /// Location of the file.
    public let url: URL
    /// `__metadata__` of the header (empty when absent).
    public let metadata: [String: String]
    /// Whether the header has a `__metadata__` entry (needed to rewrite a file byte for byte).
    public let hasMetadataEntry: Bool
    /// Tensor names in data order (increasing `data_offsets`).
    public let tensorNames: [String]
    /// Every tensor's header entry, in data order.
    public let tensors: [TensorInfo]
    /// Value of the 8-byte header length prefix.
    public let headerLength: Int
    /// Absolute file offset of the data section (`8 + headerLength`).
    public let dataStart: Int

    private let region: MappedRegion
    private let indexByName: [String: Int]

    /// Maps and validates the file at `url`. Throws `SafetensorsError` on any I/O or format problem.
    public init(url: URL) throws {
        self.url = url
        region = try MappedRegion(url: url)
        let header = try HeaderParser.parse(region.bytes, path: url.path)
        metadata = header.metadata ?? [:]
        hasMetadataEntry = header.metadata != nil
        tensors = header.tensors
        tensorNames = header.tensors.map(\.name)
        headerLength = header.headerLength
        dataStart = 8 + header.headerLength
        var index: [String: Int] = [:]
        for (i, info) in header.tensors.enumerated() { index[info.name] = i }
        indexByName = index
    }

    /// Size of the file in bytes.
    public var fileSize: Int { region.count }

    /// Lets the kernel drop the memory pages holding `name` (a streaming reader's way to keep
    /// its resident memory flat); the data is read again from the file if accessed later.
    public func releasePages(_ name: String) {
        guard let info = try? info(name) else { return }
        let start = dataStart + info.dataOffsets.lowerBound
        region.release(start..<(start + info.byteCount))
    }

    /// Whether the file has a tensor called `name`.
    public func contains(_ name: String) -> Bool {
        indexByName[name] != nil
    }

    /// The header entry of `name`; throws `.tensorNotFound` naming the tensor and the file.
    public func info(_ name: String) throws -> TensorInfo {
        guard let i = indexByName[name] else {
            throw SafetensorsError(.tensorNotFound, url: url, tensor: name, "no such tensor in this file")
        }
        return tensors[i]
    }

    /// Calls `body` with the raw little-endian bytes of `name`, straight from the mapping
    /// (no copy; the pointer may be unaligned and must not escape `body`).
    public func withBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let info = try info(name)
        return try body(rawBytes(info))
    }

    /// A copy of the raw bytes of `name`.
    public func bytes(_ name: String) throws -> [UInt8] {
        try withBytes(name) { Array($0) }
    }

    /// A copy of the raw bytes of `name` as `Data`.
    public func data(_ name: String) throws -> Data {
        try withBytes(name) { Data($0) }
    }

    /// Values of a floating-point tensor (F32/F16/BF16/F8_E4M3) converted exactly to `Float`.
    public func floats(_ name: String) throws -> [Float] {
        let info = try floatingInfo(name)
        let count = info.elementCount
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            ElementDecoding.decodeFloats(rawBytes(info), dtype: info.dtype, into: buffer)
            initialized = count
        }
    }

    /// Decodes a floating-point tensor into `destination`, which must hold exactly
    /// `elementCount` floats. Allocates nothing.
    public func readFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let info = try floatingInfo(name)
        guard destination.count == info.elementCount else {
            throw SafetensorsError(.bufferSizeMismatch, url: url, tensor: name,
                                   "destination holds \(destination.count) floats but the tensor has \(info.elementCount) elements")
        }
        ElementDecoding.decodeFloats(rawBytes(info), dtype: info.dtype, into: destination)
    }

    /// Values of an I8 tensor.
    public func int8s(_ name: String) throws -> [Int8] {
        try integers(name, dtype: .i8, as: Int8.self)
    }

    /// Values of a U8 tensor.
    public func uint8s(_ name: String) throws -> [UInt8] {
        try integers(name, dtype: .u8, as: UInt8.self)
    }

    /// Values of an I32 tensor.
    public func int32s(_ name: String) throws -> [Int32] {
        try integers(name, dtype: .i32, as: Int32.self)
    }

    /// Values of an I64 tensor.
    public func int64s(_ name: String) throws -> [Int64] {
        try integers(name, dtype: .i64, as: Int64.self)
    }

    /// Values of a BOOL tensor (any non-zero byte is `true`).
    public func bools(_ name: String) throws -> [Bool] {
        try integers(name, dtype: .bool, as: UInt8.self).map { $0 != 0 }
    }

    /// Values of any integer or BOOL tensor (I8/U8/I32/I64/BOOL) widened to `Int`.
    public func ints(_ name: String) throws -> [Int] {
        let info = try info(name)
        guard let values = ElementDecoding.decodeInts(rawBytes(info), dtype: info.dtype) else {
            throw SafetensorsError(.dtypeMismatch, url: url, tensor: name,
                                   "dtype is \(info.dtype.rawValue), expected an integer or BOOL dtype")
        }
        return values
    }

    // MARK: - Private

    private func rawBytes(_ info: TensorInfo) -> UnsafeRawBufferPointer {
        let start = dataStart + info.dataOffsets.lowerBound
        return UnsafeRawBufferPointer(rebasing: region.bytes[start..<(start + info.byteCount)])
    }

    private func floatingInfo(_ name: String) throws -> TensorInfo {
        let info = try info(name)
        guard info.dtype.isFloatingPoint else {
            throw SafetensorsError(.dtypeMismatch, url: url, tensor: name,
                                   "dtype is \(info.dtype.rawValue), expected F32, F16, BF16 or F8_E4M3")
        }
        return info
    }

    private func integers<T: FixedWidthInteger>(_ name: String, dtype: DType, as type: T.Type) throws -> [T] {
        let info = try info(name)
        guard info.dtype == dtype else {
            throw SafetensorsError(.dtypeMismatch, url: url, tensor: name,
                                   "dtype is \(info.dtype.rawValue), expected \(dtype.rawValue)")
        }
        return ElementDecoding.decodeIntegers(rawBytes(info), as: T.self)
    }
}
