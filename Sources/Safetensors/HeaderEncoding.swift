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
        var out: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        if let metadata {
            out.append(contentsOf: Array("\"__metadata__\":{".utf8))
            var firstKey = true
            for key in metadata.keys.sorted(by: ByteOrder.precedes) {
                if !firstKey { out.append(UInt8(ascii: ",")) }
                firstKey = false
                JSONEncoding.appendSerdeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                JSONEncoding.appendSerdeString(metadata[key] ?? "", to: &out)
            }
            out.append(UInt8(ascii: "}"))
            first = false
        }
        for entry in entries {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONEncoding.appendSerdeString(entry.name, to: &out)
            out.append(contentsOf: Array(":{\"dtype\":".utf8))
            JSONEncoding.appendSerdeString(entry.dtype.rawValue, to: &out)
            out.append(contentsOf: Array(",\"shape\":[".utf8))
            for (axis, dim) in entry.shape.enumerated() {
                if axis > 0 { out.append(UInt8(ascii: ",")) }
                JSONEncoding.appendInteger(dim, to: &out)
            }
            out.append(contentsOf: Array("],\"data_offsets\":[".utf8))
            JSONEncoding.appendInteger(entry.dataOffsets.lowerBound, to: &out)
            out.append(UInt8(ascii: ","))
            JSONEncoding.appendInteger(entry.dataOffsets.upperBound, to: &out)
            out.append(contentsOf: Array("]}".utf8))
        }
        out.append(UInt8(ascii: "}"))
        let padding = (8 - out.count % 8) % 8
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        return out
    }
}
