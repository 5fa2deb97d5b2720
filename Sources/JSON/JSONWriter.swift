/// Writes `JSONValue`s as UTF-8 text in a `JSONLayout`.
///
/// The writer keeps its own stack, so any depth of nesting can be written. Object members are
/// written as they are (duplicates included); use `JSONObject.deduplicated()` first for Python's
/// dict semantics.
public enum JSONWriter {
    /// The UTF-8 text of `value`.
    public static func bytes(_ value: JSONValue, layout: JSONLayout = .compact) -> [UInt8] {
        var out: [UInt8] = []
        write(value, layout: layout, to: &out)
        return out
    }

    /// The text of `value`.
    public static func string(_ value: JSONValue, layout: JSONLayout = .compact) -> String {
        String(decoding: bytes(value, layout: layout), as: UTF8.self)
    }

    /// Appends the UTF-8 text of `value` to `out`.
    public static func write(_ value: JSONValue, layout: JSONLayout = .compact, to out: inout [UInt8]) {
        var writer = JSONEmitter(layout: layout)
        swap(&writer.out, &out)
        writer.write(value)
        swap(&writer.out, &out)
    }

    /// Appends `text` as a quoted JSON string escaped as `layout` says.
    public static func writeString(_ text: String, layout: JSONLayout = .compact, to out: inout [UInt8]) {
        var writer = JSONEmitter(layout: layout)
        swap(&writer.out, &out)
        writer.writeString(text)
        swap(&writer.out, &out)
    }
}
