/// How `ShardedSafetensorsWriter` splits tensors into files and writes the index.
///
/// Presets reproduce the two reference producers:
/// - `transformers(...)` — `save_pretrained` / huggingface_hub: a new shard starts when
///   `pending + next > maxShardBytes`; one shard → `<base>.safetensors` and no index; shard
///   files carry `{"format": "pt"}`; the index is `json.dumps(indent=2, sort_keys=True) + "\n"`.
/// - `msModelSlim(...)` — msModelSlim's `ascendv1_saver`: a new shard starts when
///   `pending + next ≥ maxShardBytes`; the index is always written (even for one shard), keys in
///   insertion order, indent 2, no trailing newline; no `__metadata__` in shard files.
public struct ShardingOptions: Sendable, Equatable {
    /// When a new shard is started before adding the next tensor (only if the current shard
    /// already holds at least one tensor; a tensor larger than the limit therefore gets a shard
    /// of its own and the next tensor starts a new one).
    public enum SplitRule: Sendable, Equatable {
        /// New shard when `pendingBytes + nextTensorBytes > maxShardBytes` (transformers / huggingface_hub).
        case whenExceeding
        /// New shard when `pendingBytes + nextTensorBytes ≥ maxShardBytes` (msModelSlim).
        case whenReaching
    }

    /// Order of the `weight_map` keys in the index file.
    public enum IndexKeyOrder: Sendable, Equatable {
        /// Sorted by name (Python `sort_keys=True`, code-point = UTF-8 byte order).
        case sorted
        /// The order in which tensors were added.
        case insertion
    }

    /// File name stem: shards are `<base>-00001-of-00003.safetensors`, a lone file
    /// `<base>.safetensors`, the index `<base>.safetensors.index.json`.
    public var baseName: String
    /// Shard size limit in tensor data bytes; `0` (or negative) means no limit (one shard).
    public var maxShardBytes: Int
    /// The splitting rule.
    public var splitRule: SplitRule
    /// Write shard files and an index even when everything fits in one shard.
    public var alwaysWriteIndex: Bool
    /// `weight_map` key order.
    public var indexKeyOrder: IndexKeyOrder
    /// Whether the index file ends with a newline.
    public var indexTrailingNewline: Bool
    /// `__metadata__` written into every safetensors file (nil: none).
    public var fileMetadata: [String: String]?
    /// Extra integer entries for the index's `metadata` object besides `total_size`
    /// (e.g. `total_parameters`, which recent transformers versions write).
    public var extraIndexMetadata: [String: Int]
    /// Minimum digits of the shard numbers (Python `{:05d}`: wider numbers are not truncated).
    public var shardNumberDigits: Int

    /// Creates options; see the presets for the reference behaviours.
    public init(
        baseName: String,
        maxShardBytes: Int,
        splitRule: SplitRule,
        alwaysWriteIndex: Bool,
        indexKeyOrder: IndexKeyOrder,
        indexTrailingNewline: Bool,
        fileMetadata: [String: String]?,
        extraIndexMetadata: [String: Int] = [:],
        shardNumberDigits: Int = 5
    ) {
        self.baseName = baseName
        self.maxShardBytes = maxShardBytes
        self.splitRule = splitRule
        self.alwaysWriteIndex = alwaysWriteIndex
        self.indexKeyOrder = indexKeyOrder
        self.indexTrailingNewline = indexTrailingNewline
        self.fileMetadata = fileMetadata
        self.extraIndexMetadata = extraIndexMetadata
        self.shardNumberDigits = shardNumberDigits
    }

    /// transformers `save_pretrained(max_shard_size=...)` layout (see the type documentation).
    public static func transformers(baseName: String = "model", maxShardBytes: Int) -> ShardingOptions {
        ShardingOptions(baseName: baseName, maxShardBytes: maxShardBytes, splitRule: .whenExceeding,
                        alwaysWriteIndex: false, indexKeyOrder: .sorted, indexTrailingNewline: true,
                        fileMetadata: ["format": "pt"])
    }

    /// msModelSlim `ascendv1_saver(part_file_size=...)` layout (see the type documentation).
    /// `maxShardBytes` is `part_file_size · 2^30`; `0` writes one `<base>.safetensors` and no index.
    public static func msModelSlim(baseName: String = "quant_model_weights", maxShardBytes: Int) -> ShardingOptions {
        ShardingOptions(baseName: baseName, maxShardBytes: maxShardBytes, splitRule: .whenReaching,
                        alwaysWriteIndex: maxShardBytes > 0, indexKeyOrder: .insertion,
                        indexTrailingNewline: false, fileMetadata: nil)
    }

    /// `<base>-<index>-of-<count>.safetensors` (1-based index, zero-padded).
    public func shardFileName(index: Int, count: Int) -> String {
        "\(baseName)-\(padded(index))-of-\(padded(count)).safetensors"
    }

    /// `<base>.safetensors`.
    public var singleFileName: String { "\(baseName).safetensors" }

    /// `<base>.safetensors.index.json`.
    public var indexFileName: String { "\(baseName).safetensors.index.json" }

    /// Whether adding `nextBytes` to a shard holding `pendingBytes` (and at least one tensor)
    /// starts a new shard.
    public func startsNewShard(pendingBytes: Int, nextBytes: Int) -> Bool {
        guard maxShardBytes > 0 else { return false }
        let (projected, overflow) = pendingBytes.addingReportingOverflow(nextBytes)
        if overflow { return true }
        switch splitRule {
        case .whenExceeding: return projected > maxShardBytes
        case .whenReaching: return projected >= maxShardBytes
        }
    }

    private func padded(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, shardNumberDigits - digits.count)) + digits
    }
}
