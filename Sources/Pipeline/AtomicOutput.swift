import Foundation

/// An output directory written under a temporary name beside the target and renamed into place
/// only when complete; on failure or interruption the temporary directory is removed.
public final class AtomicOutput: @unchecked Sendable {
    public let target: URL
    public let temporary: URL
    private let overwrite: Bool
    private var committed = false

    /// Registry of live temporary directories, removed by the SIGINT/SIGTERM handler.
    nonisolated(unsafe) static var live: Set<String> = []
    static let lock = NSLock()

    /// Checks the target and creates the temporary directory.
    public init(target: URL, overwrite: Bool) throws {
        let fm = FileManager.default
        self.target = target.standardizedFileURL
        self.overwrite = overwrite
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: self.target.path, isDirectory: &isDirectory) {
            guard overwrite else {
                throw PipelineError("\(self.target.path) already exists: choose another --output or pass --overwrite")
            }
            guard isDirectory.boolValue else {
                throw PipelineError("\(self.target.path) exists and is not a directory")
            }
        }
        let parent = self.target.deletingLastPathComponent()
        var parentIsDirectory: ObjCBool = false
        guard fm.fileExists(atPath: parent.path, isDirectory: &parentIsDirectory), parentIsDirectory.boolValue else {
            throw PipelineError("cannot write \(self.target.path): \(parent.path) is not an existing directory")
        }
        temporary = parent.appendingPathComponent(".\(self.target.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try fm.createDirectory(at: temporary, withIntermediateDirectories: false)
        } catch {
            throw PipelineError("cannot write into \(parent.path): \(Self.reason(error))")
        }
        guard access(temporary.path, W_OK) == 0 else {
            try? fm.removeItem(at: temporary)
            throw PipelineError("cannot write into \(parent.path): permission denied")
        }
        Self.lock.lock(); Self.live.insert(temporary.path); Self.lock.unlock()
    }

    /// Moves the finished directory into place (replacing the old one with --overwrite).
    public func commit() throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: target.path) {
            let backup = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).old-\(getpid())")
            try fm.moveItem(at: target, to: backup)
            do {
                try fm.moveItem(at: temporary, to: target)
            } catch {
                try? fm.moveItem(at: backup, to: target)
                throw PipelineError("cannot move the result into \(target.path): \(Self.reason(error))")
            }
            try? fm.removeItem(at: backup)
        } else {
            try fm.moveItem(at: temporary, to: target)
        }
        committed = true
        Self.lock.lock(); Self.live.remove(temporary.path); Self.lock.unlock()
    }

    /// Removes the temporary directory (no-op after commit).
    public func abort() {
        guard !committed else { return }
        try? FileManager.default.removeItem(at: temporary)
        Self.lock.lock(); Self.live.remove(temporary.path); Self.lock.unlock()
    }

    deinit { abort() }

    /// Removes every live temporary directory: called on SIGINT/SIGTERM before exiting.
    public static func removeAllLive() {
        lock.lock()
        let paths = live
        live = []
        lock.unlock()
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}
