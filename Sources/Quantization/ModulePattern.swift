import Foundation

/// A target or ignore entry: a class name ("Linear"), an exact module path, or `re:<regex>`
/// matched from the start of the module path (Python `re.match`).
public struct ModulePattern: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    private let regex: RegexBox?

    /// Parses an entry; a malformed regex is an error naming it.
    public init(_ text: String) throws {
        self.text = text
        if text.hasPrefix("re:") {
            let pattern = String(text.dropFirst(3))
            do {
                regex = RegexBox(try NSRegularExpression(pattern: pattern))
            } catch {
                throw QuantizationError("invalid regular expression in '\(text)'")
            }
        } else {
            regex = nil
        }
    }

    public var description: String { text }

    /// Whether the pattern selects the module at `path` whose class names are `classNames`.
    public func matches(path: String, classNames: [String]) -> Bool {
        if let regex {
            let range = NSRange(path.startIndex..<path.endIndex, in: path)
            return regex.value.firstMatch(in: path, options: [.anchored], range: range) != nil
        }
        return text == path || classNames.contains(text)
    }

    public static func == (lhs: ModulePattern, rhs: ModulePattern) -> Bool { lhs.text == rhs.text }
}

/// NSRegularExpression is immutable after creation and safe to share.
final class RegexBox: @unchecked Sendable {
    let value: NSRegularExpression
    init(_ value: NSRegularExpression) { self.value = value }
}

/// Resolves which scheme (if any) applies to each module, honoring the ignore list.
public struct SchemeMatcher: Sendable {
    public let groups: [(name: String, scheme: QuantizationScheme, patterns: [ModulePattern])]
    public let ignore: [ModulePattern]

    /// Builds a matcher from named config groups and ignore entries.
    public init(groups: [(String, QuantizationScheme)], ignore: [String]) throws {
        self.groups = try groups.map { name, scheme in (name, scheme, try scheme.targets.map(ModulePattern.init)) }
        self.ignore = try ignore.map(ModulePattern.init)
    }

    /// The config group and scheme for a module, or nil when none targets it or it is ignored.
    public func scheme(forPath path: String, classNames: [String]) -> (group: String, scheme: QuantizationScheme)? {
        if ignore.contains(where: { $0.matches(path: path, classNames: classNames) }) { return nil }
        for group in groups where group.patterns.contains(where: { $0.matches(path: path, classNames: classNames) }) {
            return (group.name, group.scheme)
        }
        return nil
    }

    /// Ignore entries that matched none of `paths` (to warn about typos).
    public func unusedIgnores(paths: [String], classNames: [String]) -> [String] {
        ignore.filter { pattern in !paths.contains { pattern.matches(path: $0, classNames: classNames) } }.map(\.text)
    }
}
