/// One message of a conversation, as chat templates see it: `{"role": ..., "content": ...}`.
public struct ChatMessage: Sendable, Hashable {
    /// Usually `system`, `user` or `assistant`.
    public var role: String
    /// The message text.
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}
