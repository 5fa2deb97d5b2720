/// A model repository on the Hugging Face Hub, `ORG/NAME[@REVISION]`.
///
/// The name follows huggingface_hub's `validate_repo_id`: letters, digits, `-`, `_`, `.`, at most
/// 96 characters, no `--` or `..`, not starting or ending with `-` or `.`; SwiftQuant asks for the
/// `ORG/NAME` form (exactly one `/`) so that a bare word stays a local path.
public struct HubRepoID: Sendable, Equatable, CustomStringConvertible {
    /// `ORG/NAME`.
    public let repo: String
    /// A branch, tag or commit hash (`main` when the argument names none).
    public let revision: String

    /// Parses `ORG/NAME` or `ORG/NAME@REVISION`; nil when `text` is not of that form.
    public init?(parsing text: String) {
        var name = Substring(text)
        var revision = "main"
        if let at = text.firstIndex(of: "@") {
            name = text[..<at]
            revision = String(text[text.index(after: at)...])
            guard HubRepoID.isValidRevision(revision) else { return nil }
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, name.count <= 96, parts.allSatisfy(HubRepoID.isValidPart) else { return nil }
        self.repo = String(name)
        self.revision = revision
    }

    /// Creates an id from its parts, unchecked.
    public init(repo: String, revision: String) {
        self.repo = repo
        self.revision = revision
    }

    /// `ORG/NAME@REVISION`, or `ORG/NAME` for `main`.
    public var description: String { revision == "main" ? repo : "\(repo)@\(revision)" }

    /// The cache folder name transformers uses: `models--ORG--NAME`.
    public var cacheFolderName: String { "models--" + repo.replacingOccurrences(of: "/", with: "--") }

    /// Whether `revision` is a full 40-hex commit hash.
    public static func isCommitHash(_ revision: String) -> Bool {
        revision.utf8.count == 40 && revision.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    private static func isValidPart(_ part: Substring) -> Bool {
        guard let first = part.first, let last = part.last else { return false }
        guard first != "-", first != ".", last != "-", last != "." else { return false }
        guard !part.contains("--"), !part.contains("..") else { return false }
        return part.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar))
        }
    }

    private static func isValidRevision(_ revision: String) -> Bool {
        guard !revision.isEmpty, !revision.hasPrefix("/"), !revision.hasSuffix("/"),
              !revision.split(separator: "/").contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else { return false }
        return revision.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 && $0 != "\\" && $0 != "@" }
    }
}
