/// Errors from reading a checkpoint directory or building a model; each is one actionable line.
public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The one-line message.
    public let description: String

    /// Creates an error with a one-line message.
    public init(_ description: String) {
        self.description = description
    }
}
