import Foundation

/// One repository's folder in the Hugging Face hub cache, laid out as huggingface_hub lays it out:
/// `models--ORG--NAME/refs/<revision>` holds a commit hash, `snapshots/<commit>/<file>` is a
/// relative symbolic link to `blobs/<etag>`, `.no_exist/<commit>/<file>` marks a file the Hub
/// answered 404 for.
public struct HubCache: Sendable {
    /// The repository and revision asked for.
    public let id: HubRepoID
    /// `<cache>/models--ORG--NAME`.
    public let repoFolder: URL
    /// `<cache>/.locks/models--ORG--NAME`, where huggingface_hub keeps its per-blob lock files.
    public let lockFolder: URL

    /// The cache folder of `id` under `cacheDirectory`.
    public init(id: HubRepoID, cacheDirectory: URL) {
        self.id = id
        self.repoFolder = cacheDirectory.appendingPathComponent(id.cacheFolderName, isDirectory: true)
        self.lockFolder = cacheDirectory.appendingPathComponent(".locks/\(id.cacheFolderName)", isDirectory: true)
    }

    /// Runs `body` holding an exclusive lock on `.locks/models--ORG--NAME/<etag>.lock` (flock), so
    /// two processes never write the same blob at once.
    public func withBlobLock<T>(_ etag: String, _ body: () throws(HubError) -> T) throws(HubError) -> T {
        try createDirectory(lockFolder)
        let path = lockFolder.appendingPathComponent("\(etag).lock").path
        let fd = open(path, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw HubError("cannot open the lock file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw HubError("cannot lock \(path): \(String(cString: strerror(errno)))") }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// `blobs/<etag>`.
    public func blob(_ etag: String) -> URL { repoFolder.appendingPathComponent("blobs/\(etag)") }

    /// `snapshots/<commit>/`.
    public func snapshot(_ commit: String) -> URL { repoFolder.appendingPathComponent("snapshots/\(commit)", isDirectory: true) }

    /// `refs/<revision>`.
    public func ref(_ revision: String) -> URL { repoFolder.appendingPathComponent("refs/\(revision)") }

    /// The commit a revision points at in the cache: the revision itself when it is a commit hash
    /// with a snapshot, else the content of `refs/<revision>`; nil when neither is cached.
    public func cachedCommit(for revision: String) -> String? {
        if HubRepoID.isCommitHash(revision), FileManager.default.fileExists(atPath: snapshot(revision).path) { return revision }
        guard let data = FileManager.default.contents(atPath: ref(revision).path),
              let text = String(data: data, encoding: .utf8) else { return nil }
        let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return commit.isEmpty || commit.contains("/") ? nil : commit
    }

    /// Whether `snapshots/<commit>/<file>` exists (its link resolving to a blob).
    public func hasFile(_ file: String, commit: String) -> Bool {
        FileManager.default.fileExists(atPath: snapshot(commit).appendingPathComponent(file).path)
    }

    /// Whether `.no_exist/<commit>/<file>` records that the Hub has no such file.
    public func isKnownMissing(_ file: String, commit: String) -> Bool {
        FileManager.default.fileExists(atPath: repoFolder.appendingPathComponent(".no_exist/\(commit)/\(file)").path)
    }

    /// Records that the Hub has no `file` at `commit` (an empty `.no_exist/<commit>/<file>`).
    public func markMissing(_ file: String, commit: String) throws(HubError) {
        let marker = repoFolder.appendingPathComponent(".no_exist/\(commit)/\(file)")
        try createDirectory(marker.deletingLastPathComponent())
        guard FileManager.default.createFile(atPath: marker.path, contents: Data()) else {
            throw HubError("cannot write \(marker.path)")
        }
    }

    /// Writes `refs/<revision>` = `commit` (no newline, as huggingface_hub writes it) unless the
    /// revision is the commit itself.
    public func writeRef(_ revision: String, commit: String) throws(HubError) {
        guard revision != commit else { return }
        let url = ref(revision)
        try createDirectory(url.deletingLastPathComponent())
        do { try Data(commit.utf8).write(to: url, options: .atomic) } catch {
            throw HubError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// Points `snapshots/<commit>/<file>` at `blobs/<etag>` with a relative link.
    public func link(_ file: String, commit: String, etag: String) throws(HubError) {
        let pointer = snapshot(commit).appendingPathComponent(file)
        try createDirectory(pointer.deletingLastPathComponent())
        // snapshots/<commit>/<dirs…>/<file> → ../../(../ per dir)blobs/<etag>
        let depth = 2 + file.split(separator: "/").count - 1
        let target = String(repeating: "../", count: depth) + "blobs/\(etag)"
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: pointer.path)) == target { return }
        // A link under a unique name renamed over the pointer: atomic, so concurrent runs linking the
        // same file never see each other's half-made state (rename replaces an existing entry).
        let temporary = pointer.deletingLastPathComponent().appendingPathComponent(".\(pointer.lastPathComponent).\(UUID().uuidString).link")
        guard symlink(target, temporary.path) == 0 else {
            throw HubError("cannot link \(pointer.path) to \(target): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary.path, pointer.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw HubError("cannot link \(pointer.path) to \(target): \(reason)")
        }
    }

    /// Tags the cache root as a cache directory (https://bford.info/cachedir/) so backup tools skip
    /// it, as huggingface_hub does; an existing tag is left alone.
    public static func tagCacheDirectory(_ cacheDirectory: URL) {
        let tag = cacheDirectory.appendingPathComponent("CACHEDIR.TAG")
        guard !FileManager.default.fileExists(atPath: tag.path) else { return }
        try? FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        let text = "Signature: 8a477f597d28d172789f06886806bc55\n# This is the Hugging Face hub cache; see https://bford.info/cachedir/\n"
        _ = FileManager.default.createFile(atPath: tag.path, contents: Data(text.utf8))
    }

    func createDirectory(_ url: URL) throws(HubError) {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw HubError("cannot create \(url.path): \(error.localizedDescription)")
        }
    }
}
