import Foundation

/// The weights of a model directory: a single `model.safetensors`, or shards listed by a
/// `*.safetensors.index.json`. Every shard is mapped and validated once, at `init`, and every
/// tensor of the index is checked to exist in its shard. Immutable after `init`.
public final class SafetensorsCheckpoint: @unchecked Sendable {
    /// The directory holding the weights.
    public let directory: URL
    /// The index file, nil for a single-file checkpoint.
    public let indexURL: URL?
    /// Tensor names: shards in file-name order, and inside each shard in data order.
    /// For a sharded checkpoint only tensors listed in the index are exposed.
    public let tensorNames: [String]
    /// The weight files, in file-name order (one entry for a single-file checkpoint).
    public let shardURLs: [URL]
    /// `metadata.total_size` from the index, when present.
    public let indexTotalSize: Int?

    private let files: [SafetensorsFile]
    private let location: [String: Int]

    /// File name of a single-file checkpoint.
    public static let singleFileName = "model.safetensors"
    /// File name of the standard sharded-checkpoint index.
    public static let indexFileName = "model.safetensors.index.json"
    /// An AscendV1 checkpoint's single weight file (`part_file_size: 0`).
    public static let ascendV1SingleFileName = "quant_model_weights.safetensors"
    /// An AscendV1 checkpoint's index.
    public static let ascendV1IndexFileName = "quant_model_weights.safetensors.index.json"

    /// Opens `directory/model.safetensors`, or else `directory/model.safetensors.index.json` and
    /// its shards, or else the AscendV1 equivalents (`quant_model_weights.safetensors`, its index).
    /// Throws `.noCheckpoint` when none exists.
    public convenience init(directory: URL) throws {
        let single = directory.appendingPathComponent(Self.singleFileName)
        let index = directory.appendingPathComponent(Self.indexFileName)
        // msModelSlim's AscendV1 names, after transformers' own.
        let ascendSingle = directory.appendingPathComponent(Self.ascendV1SingleFileName)
        let ascendIndex = directory.appendingPathComponent(Self.ascendV1IndexFileName)
        if FileManager.default.fileExists(atPath: single.path) {
            try self.init(fileURL: single)
        } else if FileManager.default.fileExists(atPath: index.path) {
            try self.init(indexURL: index)
        } else if FileManager.default.fileExists(atPath: ascendSingle.path) {
            try self.init(fileURL: ascendSingle)
        } else if FileManager.default.fileExists(atPath: ascendIndex.path) {
            try self.init(indexURL: ascendIndex)
        } else {
            throw SafetensorsError(.noCheckpoint, url: directory, ForeignCheckpoint.refusal(for: directory)
                                   ?? "found neither \(Self.singleFileName) nor \(Self.indexFileName)")
        }
    }

    /// Opens a single safetensors file as a one-shard checkpoint.
    public init(fileURL: URL) throws {
        let file = try SafetensorsFile(url: fileURL)
        directory = fileURL.deletingLastPathComponent()
        indexURL = nil
        files = [file]
        shardURLs = [fileURL]
        tensorNames = file.tensorNames
        indexTotalSize = nil
        location = Dictionary(file.tensorNames.map { ($0, 0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Opens a sharded checkpoint from its index (any `*.safetensors.index.json` name, e.g.
    /// msModelSlim's `quant_model_weights.safetensors.index.json`). Shard names are resolved
    /// relative to the index's directory.
    public init(indexURL: URL) throws {
        let index = try CheckpointIndex.load(indexURL)
        let root = indexURL.deletingLastPathComponent()
        directory = root
        self.indexURL = indexURL
        indexTotalSize = index.totalSize

        let shardNames = Array(Set(index.weightMap.map(\.shard))).sorted(by: ByteOrder.precedes)
        var firstTensor: [String: String] = [:]
        for entry in index.weightMap where firstTensor[entry.shard] == nil {
            firstTensor[entry.shard] = entry.tensor
        }
        var opened: [SafetensorsFile] = []
        var shardIndex: [String: Int] = [:]
        for name in shardNames {
            let url = root.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw SafetensorsError(.missingShard, url: indexURL, tensor: firstTensor[name],
                                       "weight_map points at shard \"\(name)\", which does not exist")
            }
            shardIndex[name] = opened.count
            opened.append(try SafetensorsFile(url: url))
        }
        var location: [String: Int] = [:]
        for entry in index.weightMap {
            guard let i = shardIndex[entry.shard] else { continue }
            guard opened[i].contains(entry.tensor) else {
                throw SafetensorsError(.tensorMissingFromShard, url: indexURL, tensor: entry.tensor,
                                       "listed in the index for shard \"\(entry.shard)\" but absent from that file")
            }
            location[entry.tensor] = i
        }
        var names: [String] = []
        names.reserveCapacity(location.count)
        for (i, file) in opened.enumerated() {
            names.append(contentsOf: file.tensorNames.filter { location[$0] == i })
        }
        files = opened
        shardURLs = opened.map(\.url)
        tensorNames = names
        self.location = location
    }

    /// Whether the checkpoint has a tensor called `name`.
    public func contains(_ name: String) -> Bool {
        location[name] != nil
    }

    /// The shard file holding `name`; throws `.tensorNotFound` naming the tensor and checkpoint.
    /// Lets the kernel drop the resident pages of `name` (see `SafetensorsFile.releasePages`).
    public func releasePages(_ name: String) {
        (try? file(containing: name))?.releasePages(name)
    }

    public func file(containing name: String) throws -> SafetensorsFile {
        guard let i = location[name] else {
            throw SafetensorsError(.tensorNotFound, url: indexURL ?? shardURLs.first ?? directory, tensor: name,
                                   "no such tensor in this checkpoint")
        }
        return files[i]
    }

    /// The header entry of `name` (offsets are relative to its shard's data section).
    public func info(_ name: String) throws -> TensorInfo {
        try file(containing: name).info(name)
    }

    /// Raw bytes of `name` from its shard's mapping (see `SafetensorsFile.withBytes`).
    public func withBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try file(containing: name).withBytes(name, body)
    }

    /// Values of a floating-point tensor converted exactly to `Float`.
    public func floats(_ name: String) throws -> [Float] {
        try file(containing: name).floats(name)
    }

    /// Decodes a floating-point tensor into `destination` (exactly `elementCount` floats).
    public func readFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        try file(containing: name).readFloats(name, into: destination)
    }

    /// Values of an integer or BOOL tensor widened to `Int`.
    public func ints(_ name: String) throws -> [Int] {
        try file(containing: name).ints(name)
    }

    /// The opened shard files, parallel to `shardURLs`.
    public var shards: [SafetensorsFile] { files }
}
