import Foundation

/// Decides whether an output directory may be written, before anything is touched.
///
/// An output may be a new path (missing parents are created), an empty directory, or — with
/// `--overwrite` — a previous SwiftQuant output holding nothing but the files its record lists.
/// Everything else is refused with one line: the source model, a directory containing it or inside
/// it, the working directory, home, a filesystem root (or any directory containing the working
/// directory or home), a symbolic link, a file, and a non-empty directory SwiftQuant did not write.
public struct OutputTarget: Sendable {
    /// What is at the target now.
    public enum Existing: Sendable, Equatable {
        /// Nothing: the directory is created.
        case none
        /// An empty directory (removed with rmdir when the result moves into place).
        case emptyDirectory
        /// A previous SwiftQuant output, replaced (only its recorded files are deleted).
        case previousOutput(OutputRecord)
    }

    /// The target as given, made absolute (never resolved through a link: links are refused).
    public let url: URL
    /// The target with every symbolic link of its existing ancestors resolved.
    public let canonicalPath: String
    /// What is there now.
    public let existing: Existing
    /// Ancestors that do not exist yet, outermost first (created by `createParents`).
    public let missingParents: [URL]

    /// Checks `path` as the output of a run reading the model at `source`.
    public init(path: String, source: URL, overwrite: Bool,
                workingDirectory: String = FileManager.default.currentDirectoryPath,
                home: String? = ProcessInfo.processInfo.environment["HOME"]) throws {
        guard !path.isEmpty else { throw PipelineError("--output is empty: give a directory to write") }
        let absolute = path.hasPrefix("/") ? path : workingDirectory + "/" + path
        url = URL(fileURLWithPath: absolute).standardizedFileURL
        let shown = path

        var info = stat()
        let exists = lstat(url.path, &info) == 0
        if exists && (info.st_mode & S_IFMT) == S_IFLNK {
            let destination = (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) ?? "?"
            let dangling = access(url.path, F_OK) != 0
            throw PipelineError("--output \(shown) is a symbolic link\(dangling ? " (dangling)" : "") to \(destination): give a real directory path; nothing was changed")
        }
        canonicalPath = Self.canonical(url.path)
        let target = canonicalPath

        var protected: [(String, String)] = [("/", "a filesystem root"), (Self.canonical(workingDirectory), "the working directory")]
        if let home, !home.isEmpty { protected.append((Self.canonical(home), "the home directory")) }
        for (path, what) in protected {
            if target == path {
                throw PipelineError("refusing to write the output to \(shown): it is \(what); choose a new directory")
            }
            if Self.isAncestor(target, of: path) {
                throw PipelineError("refusing to write the output to \(shown): it contains \(what) (\(path)); choose a new directory")
            }
        }
        if exists, Self.isMountPoint(target) {
            throw PipelineError("refusing to write the output to \(shown): it is a filesystem root (mount point); choose a new directory")
        }
        let model = Self.canonical(source.path)
        if target == model {
            throw PipelineError("refusing to write the output to \(shown): it is the source model; choose another --output")
        }
        if Self.isAncestor(target, of: model) {
            throw PipelineError("refusing to write the output to \(shown): it contains the source model \(model); choose another --output")
        }
        if Self.isAncestor(model, of: target) {
            throw PipelineError("refusing to write the output to \(shown): it lies inside the source model \(model); choose another --output")
        }

        if exists {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw PipelineError("--output \(shown) exists and is not a directory; choose another --output")
            }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            if entries.isEmpty {
                existing = .emptyDirectory
            } else if let record = OutputRecord.read(in: url) {
                guard overwrite else {
                    throw PipelineError("--output \(shown) holds a previous SwiftQuant output: pass --overwrite to replace it, or choose another --output")
                }
                try Self.checkOnlyRecordedFiles(url, record: record, shown: shown)
                existing = .previousOutput(record)
            } else {
                throw PipelineError("--output \(shown) is a non-empty directory SwiftQuant did not write (no \(OutputRecord.fileName)); choose a new or empty directory; nothing was changed")
            }
            missingParents = []
        } else {
            existing = .none
            var parents: [URL] = []
            var parent = url.deletingLastPathComponent()
            while lstat(parent.path, &info) != 0 {
                parents.insert(parent, at: 0)
                let next = parent.deletingLastPathComponent()
                if next.path == parent.path { break }
                parent = next
            }
            guard (info.st_mode & S_IFMT) == S_IFDIR || Self.isDirectoryFollowingLinks(parent.path) else {
                throw PipelineError("cannot write \(shown): \(parent.path) is not a directory")
            }
            missingParents = parents
        }
    }

    /// Fails when the directory holds anything its record does not list.
    static func checkOnlyRecordedFiles(_ url: URL, record: OutputRecord, shown: String) throws {
        let listed = Set(record.files)
        let present = (try? OutputRecord.relativeFiles(in: url)) ?? []
        if let foreign = present.first(where: { !listed.contains($0) }) {
            let more = present.filter { !listed.contains($0) }.count - 1
            throw PipelineError("--output \(shown) holds '\(foreign)'\(more > 0 ? " and \(more) more file(s)" : "") that SwiftQuant did not write: move them away or choose another --output; nothing was changed")
        }
    }

    /// Creates the missing parents; returns the ones created (to remove again on failure).
    func createParents() throws -> [URL] {
        var created: [URL] = []
        for parent in missingParents {
            do {
                try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: false)
            } catch {
                for dir in created.reversed() { rmdir(dir.path) }
                throw PipelineError("cannot create \(parent.path): \(AtomicOutput.reason(error))")
            }
            created.append(parent)
        }
        return created
    }

    /// The path with the symbolic links of its longest existing prefix resolved.
    static func canonical(_ path: String) -> String {
        let standardized = URL(fileURLWithPath: path).standardizedFileURL.path
        var head = standardized
        var tail: [String] = []
        while true {
            if let resolved = realpath(head, nil) {
                defer { free(resolved) }
                var result = String(cString: resolved)
                for component in tail.reversed() { result += (result.hasSuffix("/") ? "" : "/") + component }
                return result
            }
            let url = URL(fileURLWithPath: head)
            let parent = url.deletingLastPathComponent().path
            if parent == head { return standardized }
            tail.append(url.lastPathComponent)
            head = parent
        }
    }

    /// Whether `ancestor` is a proper ancestor of `path` (both canonical).
    static func isAncestor(_ ancestor: String, of path: String) -> Bool {
        guard ancestor != path else { return false }
        let prefix = ancestor.hasSuffix("/") ? ancestor : ancestor + "/"
        return path.hasPrefix(prefix)
    }

    /// Whether `path` is on another device than its parent (a mount point).
    static func isMountPoint(_ path: String) -> Bool {
        var own = stat(), parent = stat()
        let parentPath = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard stat(path, &own) == 0, stat(parentPath, &parent) == 0 else { return false }
        return own.st_dev != parent.st_dev
    }

    static func isDirectoryFollowingLinks(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
