import Foundation
import Tensors

/// Writes one safetensors file byte-identical to Python `safetensors.torch.save_file` /
/// Rust `safetensors::serialize` for the same tensors and metadata:
/// 8-byte little-endian header length; compact header JSON with `__metadata__` first, then the
/// tensors sorted by dtype (descending Rust `Dtype` order, `DType.safetensorsRank`) and then by
/// name (byte order), each `{"dtype":..,"shape":[..],"data_offsets":[b,e]}`; the header padded
/// with spaces to a multiple of 8; the data in the same order, contiguous.
///
/// With two or more metadata keys the Rust serializer's key order is unspecified (a `HashMap`);
/// this writer uses byte order.
public struct SafetensorsWriter: Sendable {
    /// `__metadata__` to write; nil writes no `__metadata__` entry (an empty map writes `{}`).
    public var metadata: [String: String]?
    /// Tensors added so far, in insertion order.
    public private(set) var tensors: [WritableTensor] = []
    private var names = Set<String>()

    /// Creates an empty writer.
    public init(metadata: [String: String]? = nil) {
        self.metadata = metadata
    }

    /// Creates a writer holding `tensors`; throws on a duplicate name or a byte-count mismatch.
    public init(tensors: [WritableTensor], metadata: [String: String]? = nil) throws {
        self.metadata = metadata
        for tensor in tensors { try add(tensor) }
    }

    /// Adds a tensor; throws `.duplicateKey` for a repeated name and `.invalidTensor` when the
    /// byte count does not match `product(shape)·byteSize`.
    public mutating func add(_ tensor: WritableTensor) throws {
        try tensor.validate(path: "<safetensors writer>")
        guard !names.contains(tensor.name) else {
            throw SafetensorsError(.duplicateKey, path: "<safetensors writer>", tensor: tensor.name, "tensor added twice")
        }
        names.insert(tensor.name)
        tensors.append(tensor)
    }

    /// Adds a tensor from raw bytes.
    public mutating func add(name: String, dtype: DType, shape: [Int], bytes: Data) throws {
        try add(WritableTensor(name: name, dtype: dtype, shape: shape, bytes: bytes))
    }

    /// Adds a tensor from raw bytes given as an array.
    public mutating func add(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) throws {
        try add(WritableTensor(name: name, dtype: dtype, shape: shape, bytes: bytes))
    }

    /// The tensors in file (data) order with their offsets.
    public func layout() -> [TensorInfo] {
        Self.layout(of: tensors)
    }

    /// The header bytes (length prefix included) that `write(to:)` would produce.
    public func headerBytes() throws -> [UInt8] {
        try Self.header(entries: layout(), metadata: metadata)
    }

    /// The whole file in memory.
    public func serialized() throws -> Data {
        let entries = layout()
        var out = Data(try Self.header(entries: entries, metadata: metadata))
        let byName = Dictionary(tensors.map { ($0.name, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        for entry in entries { out.append(byName[entry.name] ?? Data()) }
        return out
    }

    /// Writes the file to `url` (through a temporary file in the same directory, renamed into place).
    public func write(to url: URL) throws {
        let entries = layout()
        let header = try Self.header(entries: entries, metadata: metadata, path: url.path)
        let byName = Dictionary(tensors.map { ($0.name, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        let output = try FileOutput(directory: url.deletingLastPathComponent(), name: url.lastPathComponent)
        try output.write(header)
        for entry in entries { try output.write(byName[entry.name] ?? Data()) }
        try output.commit(to: url)
    }

    /// Convenience: writes `tensors` with `metadata` to `url`.
    public static func write(_ tensors: [WritableTensor], metadata: [String: String]? = nil, to url: URL) throws {
        try SafetensorsWriter(tensors: tensors, metadata: metadata).write(to: url)
    }

    // MARK: - Layout

    static func layout(of tensors: [WritableTensor]) -> [TensorInfo] {
        let ordered = tensors.sorted { HeaderEncoding.serializationOrder(($0.name, $0.dtype), ($1.name, $1.dtype)) }
        var offset = 0
        return ordered.map { tensor in
            let range = offset..<(offset + tensor.bytes.count)
            offset = range.upperBound
            return TensorInfo(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, dataOffsets: range)
        }
    }

    static func header(entries: [TensorInfo], metadata: [String: String]?, path: String = "<safetensors writer>") throws -> [UInt8] {
        let json = HeaderEncoding.encode(entries: entries, metadata: metadata)
        guard json.count <= HeaderParser.maxHeaderLength else {
            throw SafetensorsError(.headerTooLarge, path: path, "header would be \(json.count) bytes, over the 100000000-byte limit")
        }
        var out: [UInt8] = []
        out.reserveCapacity(8 + json.count)
        let length = UInt64(json.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        out.append(contentsOf: json)
        return out
    }
}
