import Foundation
import JSON

extension ChatTemplate {
    /// The named special tokens transformers passes to every chat template render
    /// (`PreTrainedTokenizerBase.SPECIAL_TOKENS_ATTRIBUTES`).
    public static let specialTokenNames = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

    /// Reads the chat template of a Hugging Face model directory, as transformers'
    /// `AutoTokenizer.from_pretrained` finds it.
    ///
    /// - `chat_template.jinja` beside the tokenizer files wins;
    /// - otherwise `tokenizer_config.json`'s `chat_template`: a string, or a list of
    ///   `{"name": ..., "template": ...}` objects (or a name → template object), of which the
    ///   one named `default` is used.
    ///
    /// `specialTokens` is filled with `bos_token`, `eos_token`, `unk_token`, `sep_token`,
    /// `pad_token`, `cls_token` and `mask_token` from `tokenizer_config.json` (strings, or
    /// AddedToken objects with a `content` field). When the config has no
    /// `added_tokens_decoder` (older files), `special_tokens_map.json` overrides them, as in
    /// transformers. Defaults that a tokenizer class would add for tokens missing from
    /// both files are not known here.
    ///
    /// - Returns: nil when the model has no chat template.
    /// - Throws: `ChatTemplateError` of kind `.load` for an unreadable or malformed file, or
    ///   a list of templates without a `default`; `.syntax` if the template does not parse.
    public static func load(modelDirectory: URL) throws -> ChatTemplate? {
        try ChatTemplateLoader(directory: modelDirectory).load()
    }
}

/// Reads `chat_template.jinja`, `tokenizer_config.json` and `special_tokens_map.json`.
struct ChatTemplateLoader {
    let directory: URL

    func load() throws -> ChatTemplate? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ChatTemplateError(.load, "chat template: no model directory at \(directory.path)")
        }
        let config = try readJSON("tokenizer_config.json")
        var source = try readText("chat_template.jinja")
        if source == nil, let value = config?.member("chat_template") {
            source = try selectTemplate(value)
        }
        guard let source else { return nil }
        var tokens = try specialTokens(config, file: "tokenizer_config.json")
        if config?["added_tokens_decoder"] == nil, let map = try readJSON("special_tokens_map.json") {
            tokens.merge(try specialTokens(map, file: "special_tokens_map.json")) { _, new in new }
        }
        return try ChatTemplate(source: source, specialTokens: tokens)
    }

    /// The contents of `name` in the directory, or nil if there is no such file.
    private func readData(_ name: String) throws -> [UInt8]? {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw ChatTemplateError(.load, "\(name): cannot read file at \(url.path)")
        }
    }

    private func readText(_ name: String) throws -> String? {
        guard let bytes = try readData(name) else { return nil }
        guard UTF8Text.isValid(bytes) else { throw ChatTemplateError(.load, "\(name): the file is not valid UTF-8") }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func readJSON(_ name: String) throws -> JSONValue? {
        guard let bytes = try readData(name) else { return nil }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw ChatTemplateError(.load, "\(name): \(bytes.withUnsafeBytes { TokenizerError.invalidJSON(error, in: $0) })")
        }
        guard json.isObject else {
            throw ChatTemplateError(.load, "\(name): expected a JSON object at the top level, found \(json.kindName)")
        }
        return json
    }

    /// `chat_template` as transformers reads it: a string, or named templates of which
    /// `default` is used.
    private func selectTemplate(_ value: JSONValue) throws -> String {
        var named: [(name: String, template: String)] = []
        switch value {
        case .string(let s):
            return s
        case .array(let items):
            for (i, item) in items.enumerated() {
                guard let name = item.member("name")?.stringValue, let template = item.member("template")?.stringValue else {
                    throw ChatTemplateError(.load, "tokenizer_config.json: chat_template[\(i)] must be an object with string 'name' and 'template'")
                }
                named.append((name, template))
            }
        case .object(let members):
            for member in members {
                guard let template = member.value.stringValue else {
                    throw ChatTemplateError(.load, "tokenizer_config.json: chat_template['\(member.key)'] must be a string, found \(member.value.kindName)")
                }
                named.append((member.key, template))
            }
        default:
            throw ChatTemplateError(.load, "tokenizer_config.json: chat_template must be a string or a list of named templates, found \(value.kindName)")
        }
        // Later entries with the same name win, as when transformers builds its dict.
        if let chosen = named.last(where: { $0.name.utf8.elementsEqual("default".utf8) }) {
            return chosen.template
        }
        let names = Set(named.map(\.name)).sorted().map { "'\($0)'" }.joined(separator: ", ")
        throw ChatTemplateError(.load, "tokenizer_config.json: chat_template has several templates but none named 'default' (available: \(names))")
    }

    private func specialTokens(_ json: JSONValue?, file: String) throws -> [String: String] {
        guard let json else { return [:] }
        var tokens: [String: String] = [:]
        for name in ChatTemplate.specialTokenNames {
            guard let value = json.member(name) else { continue }
            if let s = value.stringValue {
                tokens[name] = s
            } else if let content = value.member("content")?.stringValue {
                tokens[name] = content
            } else {
                throw ChatTemplateError(.load, "\(file): '\(name)' must be a string or an object with a string 'content', found \(value.kindName)")
            }
        }
        return tokens
    }
}
