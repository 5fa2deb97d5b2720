/// An error resolving or downloading a model by Hugging Face id; one actionable line naming the
/// repository, revision or file.
public struct HubError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The one-line message.
    public let description: String
    /// Whether the Hub could not be reached at all (a cached copy may then be used).
    public let unreachable: Bool

    /// Creates an error with a one-line message.
    public init(_ description: String, unreachable: Bool = false) {
        self.description = description
        self.unreachable = unreachable
    }
}
