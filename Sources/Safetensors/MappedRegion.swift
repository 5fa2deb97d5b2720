import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only, private memory mapping of a whole file. Pages are loaded by the kernel only
/// when touched; the mapping is removed in `deinit`.
///
/// The mapping is immutable, so sharing it across threads is safe. (As with any mmap, a file
/// truncated by another process while mapped can fault on access; safetensors writers in this
/// package replace files by rename, which leaves existing mappings intact.)
final class MappedRegion: @unchecked Sendable {
    /// Start of the mapping, nil when the file is empty.
    private let base: UnsafeMutableRawPointer?
    /// File size in bytes.
    let count: Int

    /// Maps the file at `url`. Throws `.io` when it cannot be opened, is not a regular file, or
    /// cannot be mapped.
    init(url: URL) throws {
        let path = url.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw SafetensorsError(.io, path: path, "cannot open file: \(Self.errnoText())")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw SafetensorsError(.io, path: path, "cannot stat file: \(Self.errnoText())")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SafetensorsError(.io, path: path, "not a regular file")
        }
        guard let size = Int(exactly: info.st_size), size >= 0 else {
            throw SafetensorsError(.io, path: path, "file size \(info.st_size) is not representable")
        }
        count = size
        if size == 0 {
            base = nil
            return
        }
        let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let pointer, pointer != MAP_FAILED else {
            throw SafetensorsError(.io, path: path, "cannot mmap \(size) bytes: \(Self.errnoText())")
        }
        base = pointer
    }

    deinit {
        if let base { munmap(base, count) }
    }

    /// The mapped bytes.
    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base.map { UnsafeRawPointer($0) }, count: count)
    }

    /// Drops the resident pages fully inside `range` (they are read again from the file if touched).
    func release(_ range: Range<Int>) {
        guard let base else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + page - 1) / page * page
        let end = range.upperBound / page * page
        guard end > start else { return }
        _ = madvise(base + start, end - start, MADV_DONTNEED)
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
