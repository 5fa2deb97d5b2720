import JSON
import Tensors

/// Builds safetensors headers byte for byte as the reference serializer
/// (huggingface/safetensors `serialize` / Python `save_file`) does.
enum HeaderEncoding {
    /// The serializer's tensor order: dtype descending in the Rust `Dtype` enum order
    /// (`DType.safetensorsRank`), then name ascending by bytes.
    static func serializationOrder(_ left: (name: String, dtype: DType), _ right: (name: String, dtype: DType)) -> Bool {
        if left.dtype.safetensorsRank != right.dtype.safetensorsRank {
            return left.dtype.safetensorsRank > right.dtype.safetensorsRank
        }
        return ByteOrder.precedes(left.name, right.name)
    }

    /// The header JSON, compact, padded with spaces to a multiple of 8 bytes (without the
    /// length prefix). `entries` must already be in data order with their final offsets.
    ///
    /// `__metadata__` comes first when present. Its keys are written in byte order; the Rust
    /// serializer writes them in `HashMap` order, which is unspecified when there are two or more
    /// keys (with zero or one key the output is identical).
    static func encode(entries: [TensorInfo], metadata: [String: String]?) -> [UInt8] {
        var root = JSONObject()
        if let metadata {
            let sorted = metadata.sorted { ByteOrder.precedes($0.key, $1.key) }
            root.append(key: "__metadata__", value: .object(JSONObject(sorted.map { (key: $0.key, value: JSONValue.string($0.value)) })))
        }
        for entry in entries {
            root.append(key: entry.name, value: [
                "dtype": .string(entry.dtype.rawValue),
                "shape": .array(entry.shape.map { .int($0) }),
                "data_offsets": [.int(entry.dataOffsets.lowerBound), .int(entry.dataOffsets.upperBound)],
            ])
        }
        var out = JSONWriter.bytes(.object(root), layout: .compact)
        let padding = (8 - out.count % 8) % 8
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        return out
    }
}
