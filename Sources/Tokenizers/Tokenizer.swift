import Foundation
import JSON

/// A tokenizer read from a Hugging Face `tokenizer.json`, reproducing the Rust `tokenizers`
/// library: byte-level BPE (GPT-2, Llama-3, Qwen2, SmolLM2) and sentencepiece-style BPE with
/// byte fallback (Llama-2), with added and special tokens.
///
/// The pipeline is the file's own: added tokens are cut out of the input first, the rest is
/// normalized, pre-tokenized into pieces and each piece is tokenized by the model; the
/// post-processor adds special tokens on request. Decoding maps ids to token strings and runs
/// the decoder.
///
/// The type is immutable and safe to use from several threads at once.
public final class Tokenizer: Sendable {
    private let model: any TokenizerModel
    private let normalizer: (any Normalizer)?
    private let preTokenizer: (any PreTokenizer)?
    private let postProcessor: (any PostProcessor)?
    private let decoder: (any Decoder)?
    private let addedVocabulary: AddedVocabulary
    /// The token string of every id (added tokens first, then the model's vocabulary).
    private let tokensById: [[UInt8]?]
    /// Which ids are special for `decode(_:skipSpecialTokens:)`.
    private let isSpecialId: [Bool]

    /// A short description of the tokenizer's kind, e.g. `byte-level BPE` or
    /// `sentencepiece BPE (byte fallback)`.
    public let kind: String

    /// The number of ids: the largest id of the vocabulary and the added tokens, plus one.
    public let vocabularySize: Int

    /// Reads a `tokenizer.json` file.
    ///
    /// - Throws: `TokenizerError` if the file cannot be read, is not valid JSON, or uses a
    ///   component this library does not support.
    public convenience init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError("\(url.lastPathComponent): cannot read file at \(url.path)")
        }
        try self.init(data: data)
    }

    /// Reads the contents of a `tokenizer.json` file.
    ///
    /// - Throws: `TokenizerError` with a one-line description for malformed JSON, a missing
    ///   `model`, or an unsupported component type.
    public convenience init(data: Data) throws {
        let root: JSONValue
        do {
            root = try JSONParser.parse(data)
        } catch {
            throw TokenizerError.malformed(data.withUnsafeBytes { TokenizerError.invalidJSON(error, in: $0) })
        }
        try self.init(json: root)
    }

    /// Builds the tokenizer from an already parsed tokenizer.json document.
    init(json root: JSONValue) throws {
        guard root.isObject else {
            throw TokenizerError.malformed("expected a JSON object at the top level, found \(root.kindName)")
        }
        if let version = root.member("version")?.stringValue, version != "1.0" {
            throw TokenizerError.malformed("unknown tokenizer version '\(version)' (expected 1.0)")
        }
        guard let modelJSON = root.member("model") else {
            throw TokenizerError.malformed("missing 'model'")
        }
        let model = try ModelFactory.make(modelJSON)
        let normalizer = try root.member("normalizer").map(NormalizerFactory.make)
        let preTokenizer = try root.member("pre_tokenizer").map(PreTokenizerFactory.make)
        let postProcessor = try root.member("post_processor").map(PostProcessorFactory.make)
        let decoder = try root.member("decoder").map(DecoderFactory.make)

        var addedTokens: [AddedToken] = []
        if let list = root.member("added_tokens") {
            guard let items = list.arrayValue else {
                throw TokenizerError.malformed("'added_tokens' must be an array, found \(list.kindName)")
            }
            addedTokens = try items.enumerated().map { try AddedToken($1, index: $0) }
        }
        let modelCount = modelJSON.member("vocab")?.objectValue?.count ?? (model.maxId + 1)
        let added = AddedVocabulary(addedTokens, model: model, modelVocabularyCount: modelCount,
                                    normalizer: normalizer)

        self.model = model
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.addedVocabulary = added
        self.vocabularySize = max(model.maxId, added.maxId) + 1
        var tokensById = [[UInt8]?](repeating: nil, count: vocabularySize)
        var isSpecialId = [Bool](repeating: false, count: vocabularySize)
        for id in 0..<vocabularySize {
            guard let token = added.text(for: id) ?? model.token(for: id) else { continue }
            tokensById[id] = token
            isSpecialId[id] = added.isSpecial(token)
        }
        self.tokensById = tokensById
        self.isSpecialId = isSpecialId
        self.kind = Self.describe(model: model, preTokenizer: preTokenizer, decoder: decoder, root: root)
    }

    /// `byte-level …` for GPT-2 style files, `sentencepiece …` for files using byte fallback
    /// or the `▁` metaspace convention, otherwise just the model summary.
    private static func describe(model: any TokenizerModel, preTokenizer: (any PreTokenizer)?,
                                 decoder: (any Decoder)?, root: JSONValue) -> String {
        if preTokenizer?.isByteLevel == true || decoder is ByteLevelDecoder {
            return "byte-level \(model.summary)"
        }
        let pipeline = ["normalizer", "pre_tokenizer", "decoder"].compactMap { root.member($0) }
        if model.summary.contains("byte fallback") || pipeline.contains(where: mentionsMetaspace) {
            return "sentencepiece \(model.summary)"
        }
        return model.summary
    }

    /// Whether a JSON value contains a `Metaspace` component or the `▁` character.
    private static func mentionsMetaspace(_ json: JSONValue) -> Bool {
        switch json {
        case .string(let s): return s == "Metaspace" || s.unicodeScalars.contains("\u{2581}")
        case .array(let items): return items.contains(where: mentionsMetaspace)
        case .object(let members): return members.contains { mentionsMetaspace($0.value) }
        default: return false
        }
    }

    // MARK: Encoding

    /// Encodes text to token ids, like the Rust library's
    /// `encode(text, add_special_tokens=addSpecialTokens).ids`.
    ///
    /// Added tokens (including special tokens such as `<|im_start|>`) written literally in the
    /// text are recognised. With `addSpecialTokens`, the post-processor's template is applied
    /// (e.g. a BOS token is prepended).
    public func encode(_ text: String, addSpecialTokens: Bool = false) -> [Int] {
        var ids: [Int] = []
        var cache: [ByteKey: [Int]] = [:]
        let raw = Array(text.utf8)
        for segment in addedVocabulary.rawMatcher.split(raw) {
            switch segment {
            case .token(let id, _):
                ids.append(id)
            case .text(let range):
                if range.isEmpty { continue }
                var normalized = Array(raw[range])
                if let normalizer { normalized = normalizer.normalize(normalized) }
                if normalized.isEmpty { continue }
                let atStart = range.lowerBound == 0
                for inner in addedVocabulary.normalizedMatcher.split(normalized) {
                    switch inner {
                    case .token(let id, _):
                        ids.append(id)
                    case .text(let r):
                        if r.isEmpty { continue }
                        let piece = Piece(bytes: Array(normalized[r]), atStart: atStart && r.lowerBound == 0)
                        tokenize(piece, cache: &cache, into: &ids)
                    }
                }
            }
        }
        if addSpecialTokens, let postProcessor {
            ids = postProcessor.addSpecialTokens(to: ids)
        }
        return ids
    }

    /// Pre-tokenizes one piece of normalized text and runs the model on the results.
    private func tokenize(_ piece: Piece, cache: inout [ByteKey: [Int]], into ids: inout [Int]) {
        guard let preTokenizer else {
            model.tokenize(piece.bytes, cache: &cache, into: &ids)
            return
        }
        for part in preTokenizer.preTokenize([piece]) {
            model.tokenize(part.bytes, cache: &cache, into: &ids)
        }
    }

    // MARK: Decoding

    /// Decodes token ids to text, like the Rust library's
    /// `decode(ids, skip_special_tokens=skipSpecialTokens)`. Unknown ids are skipped; byte
    /// sequences that are not valid UTF-8 become U+FFFD as with `String::from_utf8_lossy`.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var tokens = TokenList()
        tokens.reserve(bytes: ids.count * 4, tokens: ids.count)
        tokensById.withUnsafeBufferPointer { table in
            for id in ids where id >= 0 && id < table.count {
                guard let token = table[id] else { continue }
                if skipSpecialTokens && isSpecialId[id] { continue }
                tokens.append(token)
            }
        }
        let bytes: [UInt8]
        if let decoder {
            bytes = decoder.decodeChain(tokens).bytes
        } else {
            bytes = UTF8Text.concatenate(tokens.tokens, separator: [0x20])
        }
        return String(decoding: UTF8Text.repaired(bytes), as: UTF8.self)
    }

    // MARK: Vocabulary

    private func tokenBytes(for id: Int) -> [UInt8]? {
        id >= 0 && id < tokensById.count ? tokensById[id] : nil
    }

    /// The id of a token string (an added token or a model vocabulary entry), compared byte
    /// for byte.
    public func tokenId(for token: String) -> Int? {
        let bytes = Array(token.utf8)
        return addedVocabulary.id(for: bytes) ?? model.id(for: bytes)
    }

    /// The token string of an id (for byte-level vocabularies, in the byte-level alphabet,
    /// e.g. `Ġthe`), or `nil` for an unknown id.
    public func token(for id: Int) -> String? {
        tokenBytes(for: id).map { String(decoding: $0, as: UTF8.self) }
    }
}
