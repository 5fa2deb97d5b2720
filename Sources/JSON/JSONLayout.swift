/// How `JSONWriter` lays a value out: whitespace, key order, string escapes and number spelling.
///
/// The presets are the layouts SwiftQuant writes:
/// - `compact`: serde_json's `to_string` (safetensors headers);
/// - `python(indent:sortKeys:ensureASCII:)`: Python's `json.dumps` (config.json, index files,
///   chat templates' `tojson`);
/// - `foundation(prettyPrinted:sortedKeys:)`: Foundation's `JSONSerialization` / `JSONEncoder`
///   on Linux (SwiftQuant's output record and `--json` summaries, kept byte-identical).
public struct JSONLayout: Sendable, Equatable {
    /// The indentation of one level; nil writes everything on one line. With an indent, every
    /// element of a non-empty container is on its own line (an empty string indents by nothing,
    /// as Python's `indent=0`).
    public var indent: String?
    /// Written between two elements or members (before the newline when indenting).
    public var itemSeparator: String
    /// Written between a key and its value.
    public var keySeparator: String
    /// Writes object members in the UTF-8 byte order (= code point order) of their keys, members
    /// with equal keys in their original order; otherwise members are written in order.
    public var sortKeys: Bool
    /// Escapes every character outside printable ASCII (U+0020–U+007E) as `\uXXXX`, with UTF-16
    /// surrogate pairs above U+FFFF (Python's `ensure_ascii=True`); otherwise non-ASCII
    /// characters and DEL are written as raw UTF-8.
    public var asciiOnly: Bool
    /// Escapes `/` as `\/` (Foundation does).
    public var escapesSlashes: Bool
    /// How floating-point numbers are spelled.
    public var floatFormat: JSONFloatFormat
    /// Writes an empty array or object, when indenting, as an opening bracket, a blank line and
    /// the closing bracket at the container's indentation (Foundation's pretty printing);
    /// otherwise as `[]` / `{}`.
    public var expandsEmptyContainers: Bool

    /// A layout with every setting given.
    public init(indent: String?, itemSeparator: String, keySeparator: String, sortKeys: Bool,
                asciiOnly: Bool, escapesSlashes: Bool, floatFormat: JSONFloatFormat,
                expandsEmptyContainers: Bool = false) {
        self.indent = indent
        self.itemSeparator = itemSeparator
        self.keySeparator = keySeparator
        self.sortKeys = sortKeys
        self.asciiOnly = asciiOnly
        self.escapesSlashes = escapesSlashes
        self.floatFormat = floatFormat
        self.expandsEmptyContainers = expandsEmptyContainers
    }

    /// One line without spaces, members in order, raw UTF-8 with the minimal escapes (`"` `\`,
    /// `\b \t \n \f \r`, other control characters as `\u00xx`): serde_json's `to_string`, as the
    /// safetensors reference serializer writes headers. Floats as Python's `repr`, NaN and
    /// infinities as `null`.
    public static let compact = JSONLayout(indent: nil, itemSeparator: ",", keySeparator: ":", sortKeys: false,
                                           asciiOnly: false, escapesSlashes: false, floatFormat: .pythonFiniteOrNull)

    /// Python's `json.dumps(value, indent=indent, sort_keys=sortKeys, ensure_ascii=ensureASCII)`
    /// with the default separators (`", "` on one line, `","` with an indent, and `": "`);
    /// `indent` is the number of spaces per level, nil for one line.
    public static func python(indent: Int? = 2, sortKeys: Bool = true, ensureASCII: Bool = true) -> JSONLayout {
        python(indentString: indent.map { String(repeating: " ", count: max($0, 0)) },
               sortKeys: sortKeys, ensureASCII: ensureASCII)
    }

    /// Python's `json.dumps` with an indent string per level (nil for one line) and, optionally,
    /// explicit `separators` (item separator, key separator).
    public static func python(indentString: String?, separators: (item: String, key: String)? = nil,
                              sortKeys: Bool, ensureASCII: Bool) -> JSONLayout {
        JSONLayout(indent: indentString, itemSeparator: separators?.item ?? (indentString == nil ? ", " : ","),
                   keySeparator: separators?.key ?? ": ", sortKeys: sortKeys, asciiOnly: ensureASCII,
                   escapesSlashes: false, floatFormat: .python)
    }

    /// Foundation on Linux: `JSONSerialization.data(withJSONObject:options:)` and `JSONEncoder`,
    /// compact (`,` and `:`) or pretty-printed (two spaces, `" : "`, empty containers expanded),
    /// `/` escaped, raw UTF-8, doubles without a trailing `.0`. With `sortedKeys`, keys are in
    /// UTF-8 byte order, as `JSONEncoder` sorts them (`JSONSerialization` sorts numerically and
    /// case-insensitively, which only differs for keys with digits or capitals).
    public static func foundation(prettyPrinted: Bool, sortedKeys: Bool) -> JSONLayout {
        JSONLayout(indent: prettyPrinted ? "  " : nil, itemSeparator: ",", keySeparator: prettyPrinted ? " : " : ":",
                   sortKeys: sortedKeys, asciiOnly: false, escapesSlashes: true, floatFormat: .foundation,
                   expandsEmptyContainers: prettyPrinted)
    }
}
