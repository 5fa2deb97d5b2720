import Foundation

/// Appends a download's chunks to a `.incomplete` file: a 206 answer continues at the offset, a
/// 200 answer (the server ignored the Range) starts the file over.
final class HubBlobWriter: @unchecked Sendable {
    private let handle: FileHandle
    private let progress: HubProgressBar
    private var offset: Int64
    private var positioned = false

    init(handle: FileHandle, offset: Int64, progress: HubProgressBar) {
        self.handle = handle
        self.offset = offset
        self.progress = progress
    }

    func write(status: Int, _ data: Data) throws {
        if !positioned {
            positioned = true
            if status == 200 && offset > 0 {
                try handle.truncate(atOffset: 0)
                offset = 0
                progress.reset(to: 0)
            } else {
                try handle.seek(toOffset: UInt64(offset))
            }
        }
        try handle.write(contentsOf: data)
        progress.advance(data.count)
    }
}
