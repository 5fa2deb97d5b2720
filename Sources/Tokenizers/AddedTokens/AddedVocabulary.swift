/// The added tokens of a tokenizer: their ids, which are special, and the two matchers
/// used to cut them out of the input (one on raw text, one on normalized text).
final class AddedVocabulary: Sendable {
    /// Id by content.
    private let idByContent: [ByteKey: Int]
    /// Text of each added token for decoding (its normalized form for normalized tokens),
    /// indexed by id.
    private let decodeText: [[UInt8]?]
    /// Contents of the special tokens.
    private let specialContents: Set<ByteKey>
    /// Tokens with `normalized: false`, matched on the raw input.
    let rawMatcher: AddedTokenMatcher
    /// Tokens with `normalized: true`, matched on normalized text.
    let normalizedMatcher: AddedTokenMatcher
    /// The largest added-token id, or -1.
    let maxId: Int

    /// Assigns ids like the Rust library's `AddedVocabulary::add_tokens`: an added token that
    /// is already in the model's vocabulary keeps that id; the others get ids counting up from
    /// the vocabulary size in file order (which is what well-formed files say anyway).
    init(_ tokens: [AddedToken], model: any TokenizerModel, modelVocabularyCount: Int,
         normalizer: (any Normalizer)?) {
        var idByContent: [ByteKey: Int] = [:]
        var tokenById: [Int: AddedToken] = [:]
        var order: [Int] = []
        var nextId = modelVocabularyCount
        for token in tokens where !token.content.isEmpty {
            let key = ByteKey(token.content)
            if let id = idByContent[key], let existing = tokenById[id], Self.sameRules(existing, token) { continue }
            let id: Int
            if let existing = idByContent[key] ?? model.id(for: token.content) {
                id = existing
            } else {
                id = nextId
                nextId += 1
            }
            idByContent[key] = id
            if tokenById[id] == nil { order.append(id) }
            tokenById[id] = token
        }
        var decodeText = [[UInt8]?](repeating: nil, count: (order.max() ?? -1) + 1)
        var special = Set<ByteKey>()
        var raw: [(pattern: [UInt8], entry: AddedTokenMatcher.Entry)] = []
        var normalized: [(pattern: [UInt8], entry: AddedTokenMatcher.Entry)] = []
        for id in order {
            guard let token = tokenById[id] else { continue }
            var text = token.content
            if token.normalized, let normalizer { text = normalizer.normalize(token.content) }
            decodeText[id] = text
            if token.special { special.insert(ByteKey(token.content)) }
            let entry = AddedTokenMatcher.Entry(id: id, token: token)
            if token.normalized { normalized.append((text, entry)) } else { raw.append((token.content, entry)) }
        }
        self.idByContent = idByContent
        self.decodeText = decodeText
        self.specialContents = special
        self.rawMatcher = AddedTokenMatcher(raw)
        self.normalizedMatcher = AddedTokenMatcher(normalized)
        self.maxId = order.max() ?? -1
    }

    private static func sameRules(_ a: AddedToken, _ b: AddedToken) -> Bool {
        a.content == b.content && a.singleWord == b.singleWord && a.lstrip == b.lstrip
            && a.rstrip == b.rstrip && a.normalized == b.normalized && a.special == b.special
    }

    /// The id of an added token.
    func id(for content: [UInt8]) -> Int? { idByContent[ByteKey(content)] }

    /// The text an added token decodes to.
    func text(for id: Int) -> [UInt8]? {
        id >= 0 && id < decodeText.count ? decodeText[id] : nil
    }

    /// Whether a token string is the content of a special token.
    func isSpecial(_ token: [UInt8]) -> Bool { specialContents.contains(ByteKey(token)) }
}
