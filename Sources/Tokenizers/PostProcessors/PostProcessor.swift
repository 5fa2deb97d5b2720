import JSON

/// Adds special tokens around an encoded sequence when `addSpecialTokens` is requested
/// (tokenizer.json `post_processor`).
protocol PostProcessor: Sendable {
    /// The ids of a single sequence with the processor's special tokens added.
    func addSpecialTokens(to ids: [Int]) -> [Int]
}

/// Builds post-processors from their tokenizer.json objects.
enum PostProcessorFactory {
    static let supported = ["TemplateProcessing", "ByteLevel", "BertProcessing", "RobertaProcessing", "Sequence"]

    static func make(_ json: JSONValue) throws -> any PostProcessor {
        let config = try ComponentConfig(json, component: "post_processor")
        let type = try config.requiredType()
        switch type {
        case "TemplateProcessing": return try TemplateProcessing(config)
        case "ByteLevel": return PassThroughProcessor()
        case "BertProcessing", "RobertaProcessing": return try ClsSepProcessor(config)
        case "Sequence":
            return PostProcessorSequence(steps: try config.array("processors").map(make))
        default:
            throw TokenizerError.unsupported("post_processor", type: type, supported: supported)
        }
    }
}

/// Adds nothing (the `ByteLevel` post-processor only adjusts offsets, which we do not track).
struct PassThroughProcessor: PostProcessor {
    func addSpecialTokens(to ids: [Int]) -> [Int] { ids }
}

/// Applies several post-processors in order (`Sequence`).
struct PostProcessorSequence: PostProcessor {
    let steps: [any PostProcessor]

    func addSpecialTokens(to ids: [Int]) -> [Int] {
        steps.reduce(ids) { $1.addSpecialTokens(to: $0) }
    }
}

/// `[CLS] A [SEP]` (`BertProcessing`, and `RobertaProcessing` for a single sequence).
struct ClsSepProcessor: PostProcessor {
    let cls: Int
    let sep: Int

    init(_ config: ComponentConfig) throws {
        func id(_ key: String) throws -> Int {
            guard let pair = config.json.member(key)?.arrayValue, pair.count == 2,
                  let id = pair[1].intValue else {
                throw config.fieldError(key, "must be a pair [token, id]")
            }
            return id
        }
        cls = try id("cls")
        sep = try id("sep")
    }

    func addSpecialTokens(to ids: [Int]) -> [Int] { [cls] + ids + [sep] }
}
