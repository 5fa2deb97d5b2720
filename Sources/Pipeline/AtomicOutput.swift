import Foundation

/// An output directory written under a temporary name beside the target and renamed into place
/// only when complete; on failure or interruption the temporary directory (and any parent
/// directory this run created) is removed. The target is checked by `OutputTarget` first, and the
/// finished directory carries an `OutputRecord` so a later `--overwrite` can recognise it.
public final class AtomicOutput: @unchecked Sendable {
    /// The checked target.
    public let checked: OutputTarget
    /// The target directory.
    public var target: URL { checked.url }
    /// The directory being written.
    public let temporary: URL
    private let command: String
    private let source: URL
    private var createdParents: [URL]
    private var committed = false

    /// Registry of live temporary directories, removed by the SIGINT/SIGTERM handler. The handler
    /// takes `lock`, so it waits for a commit in progress to finish rather than cutting it in half.
    nonisolated(unsafe) static var live: Set<String> = []
    nonisolated(unsafe) static var liveParents: [URL] = []
    static let lock = NSLock()

    /// Creates missing parents and the temporary directory for a checked target. Both are
    /// registered (under the lock) before they are created, so an interruption at any moment
    /// removes them.
    public init(target: OutputTarget, command: String, source: URL) throws {
        let fm = FileManager.default
        checked = target
        self.command = command
        self.source = source
        let parent = target.url.deletingLastPathComponent()
        temporary = parent.appendingPathComponent(".\(target.url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        Self.lock.lock()
        defer { Self.lock.unlock() }
        Self.liveParents += target.missingParents
        createdParents = []
        do {
            createdParents = try target.createParents()
        } catch {
            Self.liveParents.removeAll { target.missingParents.contains($0) }
            throw error
        }
        Self.live.insert(temporary.path)
        do {
            try fm.createDirectory(at: temporary, withIntermediateDirectories: false)
        } catch {
            Self.live.remove(temporary.path)
            Self.removeEmpty(createdParents)
            Self.liveParents.removeAll { target.missingParents.contains($0) }
            throw PipelineError("cannot write into \(parent.path): \(Self.reason(error))")
        }
        guard access(temporary.path, W_OK) == 0 else {
            try? fm.removeItem(at: temporary)
            Self.live.remove(temporary.path)
            Self.removeEmpty(createdParents)
            Self.liveParents.removeAll { target.missingParents.contains($0) }
            throw PipelineError("cannot write into \(parent.path): permission denied")
        }
    }

    /// Writes the record and moves the finished directory into place. A previous output is moved
    /// aside first and then only the files its record lists are deleted.
    public func commit() throws {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        let fm = FileManager.default
        try OutputRecord.describing(temporary, command: command, source: source).write(in: temporary)
        // What is at the target now (it may have changed since the check).
        let now = try OutputTarget(path: target.path, source: source, overwrite: true)
        switch now.existing {
        case .none:
            try move(temporary, to: target)
        case .emptyDirectory:
            guard rmdir(target.path) == 0 else {
                throw PipelineError("cannot replace the empty directory \(target.path): \(String(cString: strerror(errno)))")
            }
            try move(temporary, to: target)
        case .previousOutput(let record):
            guard case .previousOutput = checked.existing else {
                throw PipelineError("\(target.path) was created by another run while this one was writing; the result was not moved into place")
            }
            let backup = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).old-\(getpid())")
            try move(target, to: backup)
            do {
                try move(temporary, to: target)
            } catch {
                try? fm.moveItem(at: backup, to: target)
                throw error
            }
            Self.deleteRecorded(record, in: backup)
        }
        committed = true
        Self.committedAny = true
        Self.live.remove(temporary.path)
        Self.liveParents.removeAll { parent in createdParents.contains(parent) }
    }

    private func move(_ from: URL, to: URL) throws {
        do {
            try FileManager.default.moveItem(at: from, to: to)
        } catch {
            throw PipelineError("cannot move the result into \(to.path): \(Self.reason(error))")
        }
    }

    /// Deletes the files a record lists, the record, then the directories left empty. Anything
    /// else found there is left in place (and the directory with it), with a note.
    static func deleteRecorded(_ record: OutputRecord, in directory: URL) {
        for file in record.files + [OutputRecord.fileName] {
            unlink(directory.appendingPathComponent(file).path)
        }
        let subdirectories = Set(record.files.compactMap { file -> String? in
            let parts = file.split(separator: "/")
            return parts.count > 1 ? parts.dropLast().joined(separator: "/") : nil
        }).sorted { $0.count > $1.count }
        for sub in subdirectories { rmdir(directory.appendingPathComponent(sub).path) }
        if rmdir(directory.path) != 0 {
            FileHandle.standardError.write(Data("note: \(directory.path) kept: it holds files that appeared during the run\n".utf8))
        }
    }

    /// Removes the temporary directory and the parents this run created (no-op after commit).
    public func abort() {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        guard !committed else { return }
        committed = true
        try? FileManager.default.removeItem(at: temporary)
        Self.live.remove(temporary.path)
        Self.removeEmpty(createdParents)
        Self.liveParents.removeAll { parent in createdParents.contains(parent) }
    }

    deinit { abort() }

    /// Whether a run has moved an output into place (for the interruption message).
    nonisolated(unsafe) public private(set) static var committedAny = false

    /// Removes every live temporary directory and the parents created for them: called on
    /// SIGINT/SIGTERM before exiting. Only directories this process created are touched. Each
    /// is first renamed aside, so a writer still running cannot create files in it meanwhile.
    /// The lock is kept: no other output operation starts before the process exits.
    public static func removeAllLiveAndHold() {
        lock.lock()
        for path in live {
            let dying = path + ".removing"
            if rename(path, dying) == 0 {
                try? FileManager.default.removeItem(atPath: dying)
            } else {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        live = []
        removeEmpty(liveParents)
        liveParents = []
    }

    /// rmdir, innermost first: a parent someone else has put files into meanwhile stays.
    static func removeEmpty(_ created: [URL]) {
        for dir in created.reversed() { rmdir(dir.path) }
    }

    static func reason(_ error: Error) -> String {
        if let pipeline = error as? PipelineError { return pipeline.description }
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}
