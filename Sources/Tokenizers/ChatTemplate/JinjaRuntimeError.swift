/// An error raised while evaluating part of a template, before the interpreter attaches the
/// template position of the expression or tag that caused it.
struct JinjaRuntimeError: Error {
    let message: String
    let kind: ChatTemplateError.Kind

    init(_ message: String, kind: ChatTemplateError.Kind = .render) {
        self.message = message
        self.kind = kind
    }
}
