import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Tensors

/// What `ShardedSafetensorsWriter.finish()` wrote.
public struct ShardedWriteResult: Sendable, Equatable {
    /// The safetensors files, in shard order.
    public let files: [URL]
    /// The index file, nil when a single file was written without an index.
    public let indexURL: URL?
    /// Sum of all tensor data bytes (the index's `total_size`).
    public let totalSize: Int
    /// Tensor name → file name (last path component).
    public let weightMap: [String: String]
}

/// Streams tensors into size-limited safetensors shards.
///
/// Tensors are added one at a time; the writer buffers the current shard (at most
/// `maxShardBytes` plus one tensor) and writes it out when the next tensor would start a new
/// shard (rule: `ShardingOptions.SplitRule`). Inside each file the tensors are ordered as the
/// safetensors serializer orders them (each file is byte-identical to `save_file` of its tensors).
/// Because the shard count is only known at the end, shards are written under temporary hidden
/// names and renamed by `finish()` to `<base>-0000i-of-0000N.safetensors` (or to
/// `<base>.safetensors` when there is a single shard and no index is requested), then
/// `<base>.safetensors.index.json` = `{"metadata": {"total_size": N}, "weight_map": {...}}` is
/// written. If the writer is discarded without `finish()`, its temporary files are removed.
///
/// Difference from huggingface_hub's splitter: a tensor larger than the limit is put in its own
/// shard at its position in the stream (the hub appends it as a separate shard while continuing
/// to fill the current one), so shard contents differ only in that corner case.
public final class ShardedSafetensorsWriter {
    /// Output directory (created if missing).
    public let directory: URL
    /// Splitting and naming options.
    public let options: ShardingOptions

    /// Pending tensors live in a spill file, not in memory, so peak memory does not grow with the model.
    private var pending: [SpilledTensor] = []
    private var pendingBytes = 0
    private var spill: SpillFile?
    private var shardFiles: [URL] = []          // temporary names of written shards
    private var assignments: [(name: String, shard: Int)] = []
    private var names = Set<String>()
    private var totalSize = 0
    private var finished = false

    /// transformers-style sharding (`ShardingOptions.transformers`).
    public convenience init(directory: URL, baseName: String = "model", maxShardBytes: Int) throws {
        try self.init(directory: directory, options: .transformers(baseName: baseName, maxShardBytes: maxShardBytes))
    }

    /// Sharding with explicit options into `directory`, which must exist. The writer never creates
    /// it: an output directory removed on interruption must not be recreated by a writer that is
    /// still running.
    public init(directory: URL, options: ShardingOptions) throws {
        self.directory = directory
        self.options = options
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SafetensorsError(.io, url: directory, "the output directory does not exist")
        }
    }

    deinit {
        spill?.close()
        if !finished {
            for url in shardFiles { try? FileManager.default.removeItem(at: url) }
        }
    }

    /// Number of shards written or pending so far.
    public var shardCount: Int { shardFiles.count + (pending.isEmpty ? 0 : 1) }

    /// Adds a tensor, writing out the current shard first if the split rule says so.
    public func add(_ tensor: WritableTensor) throws {
        guard !finished else {
            throw SafetensorsError(.writerFinished, url: directory, tensor: tensor.name, "add() after finish()")
        }
        try tensor.validate(path: directory.path)
        guard !names.contains(tensor.name) else {
            throw SafetensorsError(.duplicateKey, url: directory, tensor: tensor.name, "tensor added twice")
        }
        let size = tensor.bytes.count
        if !pending.isEmpty && options.startsNewShard(pendingBytes: pendingBytes, nextBytes: size) {
            try flushPending()
        }
        names.insert(tensor.name)
        assignments.append((tensor.name, shardFiles.count))
        if spill == nil { spill = try SpillFile(directory: directory) }
        let offset = try spill!.append(tensor.bytes)
        pending.append(SpilledTensor(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, offset: offset, count: size))
        pendingBytes += size
        totalSize += size
    }

    /// Adds a tensor from raw bytes.
    public func add(name: String, dtype: DType, shape: [Int], bytes: Data) throws {
        try add(WritableTensor(name: name, dtype: dtype, shape: shape, bytes: bytes))
    }

    /// Adds a tensor from raw bytes given as an array.
    public func add(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) throws {
        try add(WritableTensor(name: name, dtype: dtype, shape: shape, bytes: bytes))
    }

    /// Writes the last shard, renames all shards to their final names and writes the index.
    public func finish() throws -> ShardedWriteResult {
        guard !finished else {
            throw SafetensorsError(.writerFinished, url: directory, "finish() called twice")
        }
        if !pending.isEmpty || shardFiles.isEmpty { try flushPending() }
        spill?.close()
        spill = nil
        let count = shardFiles.count
        let single = count == 1 && !options.alwaysWriteIndex
        let finalNames = single
            ? [options.singleFileName]
            : (1...count).map { options.shardFileName(index: $0, count: count) }
        var finalURLs: [URL] = []
        for (temporary, name) in zip(shardFiles, finalNames) {
            let target = directory.appendingPathComponent(name)
            guard rename(temporary.path, target.path) == 0 else {
                throw SafetensorsError(.io, url: target, "cannot rename \(temporary.lastPathComponent) into place: \(MappedRegion.errnoText())")
            }
            finalURLs.append(target)
        }
        finished = true

        var weightMap: [String: String] = [:]
        var entries: [(String, String)] = []
        for (name, shard) in assignments {
            weightMap[name] = finalNames[shard]
            entries.append((name, finalNames[shard]))
        }
        var indexURL: URL?
        if !single {
            if options.indexKeyOrder == .sorted {
                entries.sort { ByteOrder.precedes($0.0, $1.0) }
            }
            var metadata = options.extraIndexMetadata
            metadata["total_size"] = totalSize
            let metadataEntries = metadata.sorted { ByteOrder.precedes($0.key, $1.key) }.map { ($0.key, $0.value) }
            let bytes = IndexEncoding.encode(metadata: metadataEntries, weightMap: entries,
                                             trailingNewline: options.indexTrailingNewline)
            let url = directory.appendingPathComponent(options.indexFileName)
            let output = try FileOutput(directory: directory, name: options.indexFileName)
            try output.write(bytes)
            try output.commit(to: url)
            indexURL = url
        }
        return ShardedWriteResult(files: finalURLs, indexURL: indexURL, totalSize: totalSize, weightMap: weightMap)
    }

    private func flushPending() throws {
        let number = shardFiles.count + 1
        let name = ".\(options.baseName)-part-\(number).safetensors.tmp"
        let temporary = directory.appendingPathComponent(name)
        let ordered = pending.sorted { HeaderEncoding.serializationOrder(($0.name, $0.dtype), ($1.name, $1.dtype)) }
        var offset = 0
        let entries = ordered.map { tensor -> TensorInfo in
            defer { offset += tensor.count }
            return TensorInfo(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, dataOffsets: offset..<(offset + tensor.count))
        }
        let header = try SafetensorsWriter.header(entries: entries, metadata: options.fileMetadata, path: temporary.path)
        let output = try FileOutput(directory: directory, name: name)
        try output.write(header)
        for tensor in ordered {
            try spill?.copy(offset: tensor.offset, count: tensor.count) { try output.write($0) }
        }
        try output.commit(to: temporary)
        shardFiles.append(temporary)
        pending.removeAll()
        pendingBytes = 0
        try spill?.reset()
    }
}

/// A pending tensor's header fields and where its bytes sit in the spill file.
struct SpilledTensor {
    let name: String
    let dtype: DType
    let shape: [Int]
    let offset: Int
    let count: Int
}

/// An unlinked temporary file holding tensor bytes until their shard is written.
final class SpillFile {
    private var descriptor: Int32
    private var end = 0
    static let chunk = 8 << 20

    init(directory: URL) throws {
        let path = directory.appendingPathComponent(".spill-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        descriptor = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw SafetensorsError(.io, path: path, "cannot create a spill file: \(MappedRegion.errnoText())")
        }
        unlink(path)
    }

    func append(_ data: Data) throws -> Int {
        let start = end
        try data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = pwrite(descriptor, raw.baseAddress! + done, raw.count - done, off_t(start + done))
                guard n > 0 else { throw SafetensorsError(.io, path: "<spill file>", "write failed: \(MappedRegion.errnoText())") }
                done += n
            }
        }
        end += data.count
        return start
    }

    func copy(offset: Int, count: Int, into body: (Data) throws -> Void) throws {
        var done = 0
        var buffer = Data(count: min(Self.chunk, max(count, 1)))
        while done < count {
            let size = min(Self.chunk, count - done)
            let n = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, size, off_t(offset + done)) }
            guard n > 0 else { throw SafetensorsError(.io, path: "<spill file>", "read failed: \(MappedRegion.errnoText())") }
            try body(buffer.prefix(n))
            done += n
        }
    }

    func reset() throws {
        guard ftruncate(descriptor, 0) == 0 else { throw SafetensorsError(.io, path: "<spill file>", "truncate failed: \(MappedRegion.errnoText())") }
        end = 0
    }

    func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
    }

    deinit { close() }
}
