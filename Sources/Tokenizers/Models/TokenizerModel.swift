import JSON

/// Turns one pre-tokenized piece into token ids (tokenizer.json `model`).
protocol TokenizerModel: Sendable {
    /// Appends the ids of one piece (valid UTF-8, never empty) to `ids`.
    /// `cache` remembers pieces already seen during one `encode` call.
    func tokenize(_ piece: [UInt8], cache: inout [ByteKey: [Int]], into ids: inout [Int])

    /// The id of a vocabulary entry given as UTF-8 bytes.
    func id(for token: [UInt8]) -> Int?

    /// The vocabulary entry for an id, as UTF-8 bytes.
    func token(for id: Int) -> [UInt8]?

    /// The largest id in the vocabulary, or -1 if it is empty.
    var maxId: Int { get }

    /// A short human-readable description, e.g. `BPE (byte fallback)`.
    var summary: String { get }
}

/// Builds models from their tokenizer.json objects.
enum ModelFactory {
    static let supported = ["BPE"]

    static func make(_ json: JSONValue) throws -> any TokenizerModel {
        let config = try ComponentConfig(json, component: "model")
        // Files without a model type are BPE when they have merges (as in the Rust library).
        let type = config.type ?? (json.member("merges") != nil ? "BPE" : "(none)")
        switch type {
        case "BPE": return try BPEModel(config)
        default:
            throw TokenizerError.unsupported("model", type: type, supported: supported)
        }
    }
}
