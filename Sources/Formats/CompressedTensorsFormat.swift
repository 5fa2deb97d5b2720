import Foundation
import JSON
import Quantization
import Safetensors
import Tensors

/// Writes compressed-tensors checkpoints (int-, pack-, float- and naive-quantized; mixed precision)
/// that transformers and vLLM load, laid out as llm-compressor 0.14 writes them.
public final class CompressedTensorsFormat: QuantFormatBase {
    public let config: FormatConfig
    private var writer: ShardedSafetensorsWriter?
    private var groups: [String: QuantizationScheme] = [:]
    private var quantizedPaths: Set<String> = []
    /// The KV-cache scheme, once an attention module's k_scale / v_scale were written.
    private var kvCacheArgs: QuantizationArgs?

    public init(config: FormatConfig) {
        self.config = config
    }

    public override func prepareExport(context: ExportContext) throws {
        try super.prepareExport(context: context)
        // transformers' save_pretrained default (max_shard_size "50GB"); part_file_size is in GiB.
        let limit = config.partFileSize.map { $0 == 0 ? 0 : $0 << 30 } ?? 50_000_000_000
        writer = try ShardedSafetensorsWriter(directory: context.saveDirectory,
                                              options: .transformers(baseName: "model", maxShardBytes: limit))
        groups = [:]
        quantizedPaths = []
        kvCacheArgs = nil
    }

    public override func buildModuleHandlerMap() -> [String: Handler] {
        ["QuantizedLinear": { [unowned self] prefix, module in
            guard case .quantizedLinear(let linear) = module else { return }
            try self.writeQuantizedLinear(prefix: prefix, linear)
        }, "KVCache": { [unowned self] _, module in
            guard case .kvCache(let cache) = module else { return }
            try self.writeKVCache(cache)
        }]
    }

    /// `<attn>.k_scale` / `v_scale`, shape (1,), in the model dtype (llm-compressor 0.14).
    private func writeKVCache(_ cache: QuantizedKVCache) throws {
        guard cache.convention == .compressedTensors, cache.keyScales.count == 1, cache.valueScales.count == 1 else {
            throw QuantizationError("\(cache.attentionPath): compressed-tensors stores one k_scale and one v_scale per attention module; this per-channel KV cache (msModelSlim's dynamic_cache, C8) is written by ascendv1_saver only")
        }
        if let kvCacheArgs, kvCacheArgs != cache.args {
            throw QuantizationError("\(cache.attentionPath): one kv_cache_scheme per checkpoint")
        }
        kvCacheArgs = cache.args
        try add(floatTensor(cache.attentionPath + ".k_scale", [1], cache.keyScales, cache.dtype))
        try add(floatTensor(cache.attentionPath + ".v_scale", [1], cache.valueScales, cache.dtype))
    }

    public override func onFloatModule(prefix: String, module: ExportModule) throws {
        guard case .float(_, let tensors) = module else { return }
        for tensor in tensors { try add(tensor) }
    }

    private func add(_ tensor: WritableTensor) throws {
        guard let writer else { throw QuantizationError("compressed-tensors export used before prepareExport") }
        try writer.add(tensor)
    }

    private func writeQuantizedLinear(prefix: String, _ linear: QuantizedLinear) throws {
        let w = linear.weight
        let args = w.args
        let dtype = w.dtype
        groups[linear.group] = linear.scheme
        quantizedPaths.insert(linear.path)
        let scaleShape = Self.scaleShape(w)
        let format = QuantizationConfigJSON.format(of: linear.scheme)
        switch format {
        case "pack-quantized":
            let packed = Packing.packRows(w.values, rows: w.rows, cols: w.cols, bits: args.numBits)
            try add(WritableTensor(name: prefix + ".weight_packed", shape: [w.rows, (w.cols * args.numBits + 31) / 32], int32s: packed))
            try add(floatTensor(prefix + ".weight_scale", scaleShape, w.scales, dtype))
            try add(WritableTensor(name: prefix + ".weight_shape", shape: [2], int64s: [Int64(w.rows), Int64(w.cols)]))
            if let groupIndex = w.groupIndex {
                try add(WritableTensor(name: prefix + ".weight_g_idx", shape: [w.cols], int32s: groupIndex))
            }
            if !args.symmetric {
                let zpRows = scaleShape[0], zpCols = scaleShape.count > 1 ? scaleShape[1] : 1
                let packedZP = Packing.packColumns(w.zeroPoints, rows: zpRows, cols: zpCols, bits: args.numBits)
                try add(WritableTensor(name: prefix + ".weight_zero_point", shape: [(zpRows * args.numBits + 31) / 32, zpCols], int32s: packedZP))
            }
        default:
            if args.type == .float {
                try add(WritableTensor(name: prefix + ".weight", dtype: .f8e4m3, shape: [w.rows, w.cols],
                                       bytes: w.values.map(FloatBits.floatToF8E4M3)))
            } else {
                try add(WritableTensor(name: prefix + ".weight", shape: [w.rows, w.cols], int8s: w.values.map { Int8($0) }))
            }
            try add(floatTensor(prefix + ".weight_scale", scaleShape, w.scales, dtype))
            if let groupIndex = w.groupIndex {
                try add(WritableTensor(name: prefix + ".weight_g_idx", shape: [w.cols], int32s: groupIndex))
            }
            if !args.symmetric {
                try add(WritableTensor(name: prefix + ".weight_zero_point", shape: scaleShape, int8s: w.zeroPoints.map { Int8($0) }))
            }
        }
        if let input = linear.scheme.inputActivations, !input.dynamic.isDynamic {
            guard let q = linear.inputQParams else {
                throw QuantizationError("\(linear.path): static input activations were never calibrated (no calibration data reached this layer)")
            }
            try add(floatTensor(prefix + ".input_scale", [1], [q.scale], dtype))
            if !input.symmetric {
                try add(WritableTensor(name: prefix + ".input_zero_point", shape: [1], int8s: [Int8(q.zeroPoint)]))
            }
        }
        if let bias = linear.bias {
            try add(floatTensor(prefix + ".bias", [bias.count], bias, dtype))
        }
    }

    static func scaleShape(_ w: QuantizedWeight) -> [Int] {
        switch w.args.resolvedStrategy {
        case .tensor: return [1]
        case .channel: return [w.rows, 1]
        default: return [w.scaleRows, w.scaleCols]
        }
    }

    private func floatTensor(_ name: String, _ shape: [Int], _ values: [Float], _ dtype: ComputeDType) throws -> WritableTensor {
        guard let tensor = WritableTensor(name: name, shape: shape, floats: values, as: dtype.storage) else {
            throw QuantizationError("\(name): cannot store \(values.count) values as \(dtype.storage.rawValue)")
        }
        return tensor
    }

    public override func finalizeExport(model: ExportModelSummary) throws {
        guard let writer, let context else { throw QuantizationError("compressed-tensors export used before prepareExport") }
        _ = try writer.finish()
        let ignore = model.linearPaths.filter { !quantizedPaths.contains($0) }
        let ordered = groups.keys.sorted { $0.localizedStandardCompare($1) == .orderedAscending }.map { ($0, groups[$0]!) }
        let quantization = QuantizationConfigJSON.config(groups: ordered, ignore: ignore, kvCache: kvCacheArgs)
        // As transformers writes it: json.dumps(config, indent=2, sort_keys=True) of the loaded dict.
        guard let source = try? JSONParser.parse(model.sourceConfig), case .object(var members) = source.deduplicatingKeys() else {
            throw QuantizationError("source config.json is not a JSON object")
        }
        members["quantization_config"] = quantization
        let text = JSONWriter.bytes(.object(members), layout: .python(indent: 2, sortKeys: true, ensureASCII: true))
        try Data(text).write(to: context.saveDirectory.appendingPathComponent("config.json"))
        for file in model.sideFiles {
            let target = context.saveDirectory.appendingPathComponent(file.lastPathComponent)
            if FileManager.default.fileExists(atPath: target.path) { continue }
            try FileManager.default.copyItem(at: file, to: target)
        }
        if let recipe = model.recipe {
            try Data(recipe.utf8).write(to: context.saveDirectory.appendingPathComponent("recipe.yaml"))
        }
    }
}
