import Foundation

/// A Hugging Face chat template: the Jinja template of a model's `tokenizer_config.json`
/// (`chat_template`) or `chat_template.jinja`, rendered the way transformers'
/// `apply_chat_template(messages, tokenize=False, add_generation_prompt=...)` renders it.
///
/// transformers compiles the template in a Jinja2 `ImmutableSandboxedEnvironment` with
/// `trim_blocks=True, lstrip_blocks=True` and the `loopcontrols` extension, adds the globals
/// `raise_exception(message)` and `strftime_now(format)`, replaces `tojson` by plain
/// `json.dumps` (no HTML escaping, `ensure_ascii=False`), and renders with `messages`,
/// `tools=None`, `documents=None`, `add_generation_prompt` and the tokenizer's named special
/// tokens (`bos_token`, `eos_token`, `unk_token`, `sep_token`, `pad_token`, `cls_token`,
/// `mask_token`) as variables. This type does the same.
///
/// ```swift
/// if let template = try ChatTemplate.load(modelDirectory: modelURL) {
///     let text = try template.render(messages: [ChatMessage(role: "user", content: "Hi")],
///                                    addGenerationPrompt: true)
/// }
/// ```
///
/// Parsing happens once in `init`; the value is immutable and can render from several
/// threads at once.
public struct ChatTemplate: Sendable {
    /// The template text.
    public let source: String
    /// Variables every render gets before `context`: the tokenizer's special tokens, filled
    /// by `load(modelDirectory:)` (for example `["bos_token": "<s>", "eos_token": "</s>"]`).
    public var specialTokens: [String: String]

    private let body: [Stmt]

    /// Parses a template.
    ///
    /// - Throws: `ChatTemplateError` of kind `.syntax`, naming the line and column, for an
    ///   invalid template (an unterminated tag, an unknown filter or test, an unsupported tag).
    public init(source: String, specialTokens: [String: String] = [:]) throws {
        self.source = source
        self.specialTokens = specialTokens
        self.body = try JinjaParser.parse(source)
    }

    /// Renders a conversation.
    ///
    /// - Parameters:
    ///   - messages: the conversation, visible to the template as `messages`, a list of
    ///     `{"role": ..., "content": ...}` dicts.
    ///   - addGenerationPrompt: the template's `add_generation_prompt` (append the header
    ///     that starts an assistant reply).
    ///   - context: extra string variables (`bos_token`, `eos_token`, ...); they override
    ///     `specialTokens`.
    /// - Throws: `ChatTemplateError` of kind `.raised` when the template calls
    ///   `raise_exception` (its message is the template's), `.render` for any other failure.
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool, context: [String: String] = [:]) throws -> String {
        try render(messages: messages, addGenerationPrompt: addGenerationPrompt, context: context, variables: [:])
    }

    /// Renders a conversation with extra variables of any type, like the keyword arguments of
    /// `apply_chat_template` (for example `["enable_thinking": false]` for Qwen3).
    ///
    /// - Parameters:
    ///   - variables: extra variables; they override `context` and `specialTokens`. `messages`,
    ///     `add_generation_prompt`, `tools` and `documents` are always the render's own.
    ///   - now: the time `strftime_now` formats (in the local time zone); the current time
    ///     by default.
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool, context: [String: String] = [:],
                       variables: [String: ChatTemplateValue], now: Date = Date()) throws -> String {
        var all: [String: JinjaValue] = [:]
        for (name, value) in specialTokens { all[name] = .string(value) }
        for (name, value) in context { all[name] = .string(value) }
        for (name, value) in variables { all[name] = value.jinjaValue }
        all["messages"] = .list(messages.map { .dict(JinjaDict([("role", .string($0.role)), ("content", .string($0.content))])) })
        all["add_generation_prompt"] = .bool(addGenerationPrompt)
        all["tools"] = JinjaValue.none
        all["documents"] = JinjaValue.none
        return try JinjaInterpreter(variables: all, now: now).render(body)
    }
}
