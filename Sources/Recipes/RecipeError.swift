/// A recipe that cannot be used: one line, starting with `recipe:`, naming the offending key path.
public struct RecipeError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The message, always a single line (e.g. `recipe: unknown key 'spec.foo' (expected one of: …)`).
    public let description: String

    /// Creates an error from a message; line breaks in it are folded into spaces.
    public init(_ message: String) {
        let folded = message.split(whereSeparator: \.isNewline).map { $0.trimmingWhitespace() }
            .filter { !$0.isEmpty }.joined(separator: " ")
        description = "recipe: " + folded
    }

    /// `'path' must be <expected>, got <what the node is>`.
    static func type(_ path: String, expected: String, got: String) -> RecipeError {
        RecipeError("\(quoted(path)) must be \(expected), got \(got)")
    }

    /// An unknown mapping key with the keys that are allowed there.
    static func unknownKey(_ path: String, expected: [String]) -> RecipeError {
        RecipeError("unknown key \(quoted(path)) (expected one of: \(expected.joined(separator: ", ")))")
    }

    /// A required key that is absent.
    static func missingKey(_ path: String) -> RecipeError {
        RecipeError("missing key \(quoted(path))")
    }

    /// A value outside an enumeration.
    static func badValue(_ path: String, _ value: String, allowed: [String]) -> RecipeError {
        RecipeError("\(quoted(path)) must be one of: \(allowed.joined(separator: ", ")) (got '\(value)')")
    }

    /// A recognised value SwiftQuant does not implement yet.
    static func unsupportedValue(_ path: String, _ value: String, supported: [String]) -> RecipeError {
        RecipeError("\(quoted(path)) value '\(value)' is not supported yet (supported: \(supported.joined(separator: ", ")))")
    }

    /// A recognised field SwiftQuant does not implement yet (refused rather than ignored).
    static func notSupportedYet(_ path: String, _ what: String = "") -> RecipeError {
        RecipeError("\(quoted(path))\(what.isEmpty ? "" : " (\(what))") is not supported yet: remove it or use a tool that implements it; nothing was written")
    }

    /// A settings error (e.g. from `QuantizationArgs.validated()`) at `path`.
    static func invalid(_ path: String, _ error: Error) -> RecipeError {
        RecipeError("\(quoted(path)): \(error)")
    }

    /// A key path in quotes, or `the top level` for the root.
    static func quoted(_ path: String) -> String {
        path.isEmpty ? "the top level" : "'\(path)'"
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var slice = self
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return slice
    }
}
