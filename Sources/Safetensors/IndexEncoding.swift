/// Writes `*.safetensors.index.json` as Python `json.dumps(index, indent=2[, sort_keys=True])`
/// does (default `ensure_ascii=True`, separators `", "`/`": "` with newlines and two-space indent).
enum IndexEncoding {
    /// `{"metadata": {...}, "weight_map": {...}}`. `metadata` and `weightMap` are written in the
    /// order given (sort them beforehand for `sort_keys=True`; "metadata" < "weight_map" either way).
    static func encode(metadata: [(String, Int)], weightMap: [(String, String)], trailingNewline: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: Array("{\n  \"metadata\": ".utf8))
        appendObject(metadata, indent: 1, to: &out) { value, out in
            JSONEncoding.appendInteger(value, to: &out)
        }
        out.append(contentsOf: Array(",\n  \"weight_map\": ".utf8))
        appendObject(weightMap, indent: 1, to: &out) { value, out in
            JSONEncoding.appendPythonString(value, to: &out)
        }
        out.append(contentsOf: Array("\n}".utf8))
        if trailingNewline { out.append(0x0A) }
        return out
    }

    private static func appendObject<V>(
        _ members: [(String, V)],
        indent level: Int,
        to out: inout [UInt8],
        value appendValue: (V, inout [UInt8]) -> Void
    ) {
        guard !members.isEmpty else {
            out.append(contentsOf: Array("{}".utf8))
            return
        }
        let inner = [UInt8](repeating: 0x20, count: 2 * (level + 1))
        out.append(UInt8(ascii: "{"))
        for (i, (key, value)) in members.enumerated() {
            out.append(contentsOf: Array((i == 0 ? "\n" : ",\n").utf8))
            out.append(contentsOf: inner)
            JSONEncoding.appendPythonString(key, to: &out)
            out.append(contentsOf: Array(": ".utf8))
            appendValue(value, &out)
        }
        out.append(0x0A)
        out.append(contentsOf: [UInt8](repeating: 0x20, count: 2 * level))
        out.append(UInt8(ascii: "}"))
    }
}
