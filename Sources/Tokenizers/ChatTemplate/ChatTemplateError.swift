/// A position in a chat template's source: 1-based line and column (columns count Unicode
/// scalars), after the template's newlines were normalized to `\n` as Jinja does.
public struct TemplatePosition: Sendable, Equatable, CustomStringConvertible {
    /// The line, from 1.
    public let line: Int
    /// The column, from 1, in Unicode scalars.
    public let column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `line L, column C`.
    public var description: String { "line \(line), column \(column)" }
}

/// An error reading, parsing or rendering a chat template.
///
/// The description is always a single line and names the template position when there is
/// one, for example `chat template line 3, column 14: no filter named 'foo'` or
/// `chat template raised an exception at line 1, column 120: Conversation roles must alternate user/assistant/user/assistant/...`.
public struct ChatTemplateError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is.
    public enum Kind: Sendable, Equatable {
        /// The template text is not a valid template (lexing, parsing, unknown filter or test).
        case syntax
        /// Rendering failed: an undefined value was used, a type error, an unsupported operation.
        case render
        /// The template called `raise_exception(message)`; `message` is the template's own text.
        case raised
        /// A model directory's files could not be read or hold no usable template.
        case load
    }

    public let kind: Kind
    /// The one-line message, without the position prefix.
    public let message: String
    /// Where in the template the error happened, if known.
    public let position: TemplatePosition?

    /// Creates an error; newlines in `message` are replaced by spaces.
    public init(_ kind: Kind, _ message: String, at position: TemplatePosition? = nil) {
        self.kind = kind
        self.message = message.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .joined(separator: " ")
        self.position = position
    }

    /// The one-line text: the message, prefixed with the position when there is one.
    public var description: String {
        switch kind {
        case .load:
            return message
        case .raised:
            if let position { return "chat template raised an exception at \(position): \(message)" }
            return "chat template raised an exception: \(message)"
        case .syntax, .render:
            if let position { return "chat template \(position): \(message)" }
            return "chat template: \(message)"
        }
    }
}
