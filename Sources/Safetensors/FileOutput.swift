import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file being written through a raw descriptor, created under a temporary name next to its
/// destination and moved into place by `commit(to:)` (rename, so readers that still map an
/// older file at the destination keep a valid mapping).
final class FileOutput {
    let temporaryURL: URL
    private var fd: Int32
    private var pending: [UInt8] = []
    private static let bufferLimit = 1 << 20

    /// Creates `.<name>.tmp-<pid>-<random>` in `directory` (exclusive create, mode 0644).
    init(directory: URL, name: String) throws {
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        temporaryURL = directory.appendingPathComponent(".\(name).tmp-\(getpid())-\(suffix)")
        fd = open(temporaryURL.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SafetensorsError(.io, url: temporaryURL, "cannot create file: \(MappedRegion.errnoText())")
        }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(temporaryURL.path)
        }
    }

    /// Appends bytes (small writes are buffered).
    func write(_ bytes: [UInt8]) throws {
        if pending.count + bytes.count > Self.bufferLimit { try flush() }
        if bytes.count >= Self.bufferLimit {
            try bytes.withUnsafeBytes { try writeAll($0) }
        } else {
            pending.append(contentsOf: bytes)
        }
    }

    /// Appends the contents of `data`.
    func write(_ data: Data) throws {
        if pending.count + data.count > Self.bufferLimit { try flush() }
        if data.count >= Self.bufferLimit {
            try data.withUnsafeBytes { try writeAll($0) }
        } else {
            pending.append(contentsOf: data)
        }
    }

    private func flush() throws {
        guard !pending.isEmpty else { return }
        try pending.withUnsafeBytes { try writeAll($0) }
        pending.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ buffer: UnsafeRawBufferPointer) throws {
        guard var pointer = buffer.baseAddress else { return }
        var remaining = buffer.count
        while remaining > 0 {
            #if canImport(Glibc)
            let written = Glibc.write(fd, pointer, remaining)
            #else
            let written = Darwin.write(fd, pointer, remaining)
            #endif
            if written < 0 {
                if errno == EINTR { continue }
                throw SafetensorsError(.io, url: temporaryURL, "write failed: \(MappedRegion.errnoText())")
            }
            remaining -= written
            pointer += written
        }
    }

    /// Flushes, closes and renames the temporary file to `destination` (replacing it).
    func commit(to destination: URL) throws {
        try flush()
        let status = close(fd)
        fd = -1
        guard status == 0 else {
            unlink(temporaryURL.path)
            throw SafetensorsError(.io, url: temporaryURL, "close failed: \(MappedRegion.errnoText())")
        }
        guard rename(temporaryURL.path, destination.path) == 0 else {
            let reason = MappedRegion.errnoText()
            unlink(temporaryURL.path)
            throw SafetensorsError(.io, url: destination, "cannot rename \(temporaryURL.lastPathComponent) into place: \(reason)")
        }
    }
}
