import JSON

/// An entry of tokenizer.json `added_tokens`: a string that is matched as a whole in the
/// input before any other processing.
struct AddedToken: Sendable, Equatable {
    /// The id written in the file (the tokenizer may assign another, as the Rust library does).
    let fileId: Int
    /// The token text, as UTF-8.
    let content: [UInt8]
    /// Only match when not surrounded by word characters.
    let singleWord: Bool
    /// Absorb whitespace on the left of a match.
    let lstrip: Bool
    /// Absorb whitespace on the right of a match.
    let rstrip: Bool
    /// Match against normalized text instead of raw input.
    let normalized: Bool
    /// A special token (dropped by `decode(_:skipSpecialTokens:)` with `true`).
    let special: Bool

    /// Reads one `added_tokens` entry.
    init(_ json: JSONValue, index: Int) throws {
        let config = try ComponentConfig(json, component: "added_tokens[\(index)]")
        content = Array(try config.string("content").utf8)
        guard let id = json.member("id")?.intValue, id >= 0 else {
            throw config.fieldError("id", "must be a non-negative integer")
        }
        fileId = id
        special = try config.bool("special", default: false)
        singleWord = try config.bool("single_word", default: false)
        lstrip = try config.bool("lstrip", default: false)
        rstrip = try config.bool("rstrip", default: false)
        normalized = try config.bool("normalized", default: !special)
    }
}
