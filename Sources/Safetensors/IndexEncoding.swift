import JSON

/// Writes `*.safetensors.index.json` as Python `json.dumps(index, indent=2[, sort_keys=True])`
/// does (default `ensure_ascii=True`, separators `", "`/`": "` with newlines and two-space indent).
enum IndexEncoding {
    /// `{"metadata": {...}, "weight_map": {...}}`. `metadata` and `weightMap` are written in the
    /// order given (sort them beforehand for `sort_keys=True`; "metadata" < "weight_map" either way).
    static func encode(metadata: [(String, Int)], weightMap: [(String, String)], trailingNewline: Bool) -> [UInt8] {
        let index: JSONValue = [
            "metadata": .object(JSONObject(metadata.map { (key: $0.0, value: JSONValue.int($0.1)) })),
            "weight_map": .object(JSONObject(weightMap.map { (key: $0.0, value: JSONValue.string($0.1)) })),
        ]
        var out = JSONWriter.bytes(index, layout: .python(indent: 2, sortKeys: false, ensureASCII: true))
        if trailingNewline { out.append(0x0A) }
        return out
    }
}
