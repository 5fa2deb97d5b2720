import Foundation
import Models
import Pipeline

/// Renders calibration records' `messages` with the model's chat template.
struct ChatTemplateRenderer {
    let source: String

    /// The model's template (`chat_template` of tokenizer_config.json), or nil when it has none.
    static func load(_ directory: ModelDirectory) throws -> ChatTemplateRenderer? {
        let url = directory.url.appendingPathComponent("tokenizer_config.json")
        guard let data = FileManager.default.contents(atPath: url.path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let template = object["chat_template"] as? String else { return nil }
        return ChatTemplateRenderer(source: template)
    }

    func render(_ turns: [ChatTurn]) throws -> String {
        throw PipelineError("records with 'messages' need the model's chat template rendered, which is not supported yet: give 'text' records")
    }
}
