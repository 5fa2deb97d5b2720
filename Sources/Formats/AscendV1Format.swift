import Foundation
import JSON
import Quantization
import Safetensors
import Tensors

/// Writes msModelSlim 26.1.0's AscendV1 checkpoints (its `ascendv1_saver`), which vllm-ascend and
/// MindIE load (formats.md §2.2–2.4, checked against real 26.1.0 outputs):
///
/// - `quant_model_weights-0000k-of-0000n.safetensors` split by `part_file_size` GiB (a new shard
///   when pending + next ≥ limit) with `quant_model_weights.safetensors.index.json` (always, keys
///   in write order); `part_file_size: 0` writes one `quant_model_weights.safetensors`, no index;
/// - `quant_model_description.json`: every tensor's type in write order (decoder layers first,
///   then the modules outside them), then `version`, `model_quant_type` (the highest-priority type
///   written), `metadata`, `group_size`, `optional`;
/// - the source's `*.json`, `*.py`, `*.txt`, `*.jinja` side files, config.json without any
///   `quantization_config`, and the recipe as `default_best_practice.yaml`.
///
/// Per quantized Linear P (the format's arithmetic is here; the values come from the IR):
/// - W8A8 (static int8 per-tensor inputs, int8 per-channel symmetric weights): `P.weight` I8,
///   `P.quant_bias` I32 = rne(bias/deq_scale − input_offset·Σₖ Wq), `P.input_scale` F32 (1,),
///   `P.input_offset` F32 (1,), `P.deq_scale` = input_scale·weight_scale (F32 for a bf16 model,
///   otherwise the F32 bit pattern sign-extended to I64);
/// - W8A8_DYNAMIC (dynamic per-token int8 inputs) and W8A16 (float inputs, per channel or per
///   group): `P.weight` I8, `P.weight_scale` F32 and `P.weight_offset` F32 (out, 1) or (out, in/g);
/// - WFP8AFP8_DYNAMIC: `P.weight` F8_E4M3, `P.weight_scale`, `P.weight_offset` zeros;
/// - a bias as `P.bias` F32, described FLOAT.
/// Everything else is FLOAT, written as it stands in its dtype; a tied lm_head is written as a
/// copy of the embedding table, as the saver does.
public final class AscendV1Format: QuantFormatBase {
    /// msModelSlim's `model_quant_type` priority, lowest first (W4A8_DYNAMIC is deliberately unranked there).
    static let priority = ["FLOAT", "W16A16S", "W8A16", "W8A8_DYNAMIC", "W8A8_MIX", "W8A8", "WFP8AFP8_DYNAMIC",
                           "W8A8_MXFP8", "W4A8_MXFP", "W4A4_DYNAMIC", "W4A4_MXFP4", "W4A4_MXFP4_DUALSCALE", "W4A4_MXFP4_SVD"]
    /// The description file name.
    public static let descriptionFile = "quant_model_description.json"

    /// msModelSlim writes the norm biases of its smoothing shifts (`<norm>.bias`, FLOAT) and the
    /// Linear biases they fold into (`P.bias`, and in `quant_bias`).
    public override var storesAddedBiases: Bool { true }

    public let config: FormatConfig
    private var writer: ShardedSafetensorsWriter?
    private var description = JSONObject()
    /// Modules outside the decoder layers, written after them as msModelSlim's runner does.
    private var deferred: [(tensors: [WritableTensor], type: String)] = []
    private var written: Set<String> = []
    private var modelQuantType = "Unknown"
    private var groupSize = 0
    /// "C8" once a quantized KV cache was written.
    private var kvCacheType: String?

    /// A writer for `config` (`part_file_size` in GiB, default 4).
    public init(config: FormatConfig) {
        self.config = config
    }

    public override func prepareExport(context: ExportContext) throws {
        try super.prepareExport(context: context)
        let size = config.partFileSize ?? 4
        let (bytes, overflow) = size.multipliedReportingOverflow(by: 1 << 30)
        guard !overflow else { throw QuantizationError("part_file_size \(size) GB is too large") }
        writer = try ShardedSafetensorsWriter(directory: context.saveDirectory, options: .msModelSlim(maxShardBytes: bytes))
        description = JSONObject()
        deferred = []
        written = []
        modelQuantType = "Unknown"
        groupSize = 0
        kvCacheType = nil
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

    /// C8: `k_proj.kv_cache_scale` / `kv_cache_offset` and the v_proj pair, F32 (kvHeads·headDim,),
    /// zero offsets (symmetric), described "C8".
    private func writeKVCache(_ cache: QuantizedKVCache) throws {
        guard cache.convention == .modelSlim, cache.args.type == .int, cache.args.numBits == 8 else {
            throw QuantizationError("\(cache.attentionPath): the AscendV1 writer stores the KV cache as C8 (int8 per channel, msModelSlim's dynamic_cache process); this \(cache.args.type.rawValue)\(cache.args.numBits) per-\(cache.args.resolvedStrategy.rawValue) KV cache (kv_cache_scheme) is written by compressed_tensors only")
        }
        for (path, scales) in [(cache.keyProjectionPath, cache.keyScales), (cache.valueProjectionPath, cache.valueScales)] {
            try add(f32(path + ".kv_cache_scale", [scales.count], scales), "C8")
            try add(f32(path + ".kv_cache_offset", [scales.count], [Float](repeating: 0, count: scales.count)), "C8")
        }
        kvCacheType = "C8"
    }

    public override func onFloatModule(prefix: String, module: ExportModule) throws {
        guard case .float(let path, let tensors) = module else { return }
        if let layerPrefix = context?.layerPathPrefix, !path.hasPrefix(layerPrefix) {
            deferred.append((tensors, "FLOAT"))
            return
        }
        for tensor in tensors { try add(tensor, "FLOAT") }
    }

    private func add(_ tensor: WritableTensor, _ type: String) throws {
        guard let writer else { throw QuantizationError("AscendV1 export used before prepareExport") }
        try writer.add(tensor)
        written.insert(tensor.name)
        description.append(key: tensor.name, value: .string(type))
        note(type)
    }

    private func note(_ type: String) {
        let rank = Self.priority.firstIndex(of: type) ?? -1
        let current = Self.priority.firstIndex(of: modelQuantType) ?? -1
        if rank > current { modelQuantType = type }
    }

    /// The AscendV1 type of a Linear's scheme, or a one-line refusal.
    static func type(of linear: QuantizedLinear) throws -> String {
        guard let w = linear.scheme.weights else { return "FLOAT" }
        let input = linear.scheme.inputActivations
        switch (w.type, w.numBits, input) {
        case (.int, 8, nil):
            guard [.channel, .group].contains(w.resolvedStrategy) else { break }
            return "W8A16"
        case (.int, 8, .some(let a)) where a.type == .int && a.numBits == 8:
            guard w.resolvedStrategy == .channel, w.symmetric else { break }
            if a.dynamic.isDynamic, a.resolvedStrategy == .token { return "W8A8_DYNAMIC" }
            if !a.dynamic.isDynamic, a.resolvedStrategy == .tensor { return "W8A8" }
        case (.float, 8, .some(let a)) where a.type == .float && a.dynamic.isDynamic && a.resolvedStrategy == .token:
            guard w.resolvedStrategy == .channel else { break }
            return "WFP8AFP8_DYNAMIC"
        default: break
        }
        let inputs = input.map { "\($0.type.rawValue)\($0.numBits) \($0.dynamic.isDynamic ? "dynamic" : "static") \($0.resolvedStrategy.rawValue)" } ?? "float"
        throw QuantizationError("\(linear.path): the AscendV1 writer has no type for \(w.type.rawValue)\(w.numBits) \(w.symmetric ? "symmetric" : "asymmetric") \(w.resolvedStrategy.rawValue) weights with \(inputs) inputs (supported: W8A8 static, W8A8_DYNAMIC, W8A16 channel/group, WFP8AFP8_DYNAMIC)")
    }

    private func writeQuantizedLinear(prefix: String, _ linear: QuantizedLinear) throws {
        let type = try Self.type(of: linear)
        let w = linear.weight
        let rows = w.rows, cols = w.cols
        if w.args.type == .float {
            try add(WritableTensor(name: prefix + ".weight", dtype: .f8e4m3, shape: [rows, cols],
                                   bytes: w.values.map(FloatBits.floatToF8E4M3)), type)
        } else {
            try add(WritableTensor(name: prefix + ".weight", shape: [rows, cols], int8s: w.values.map { Int8($0) }), type)
        }
        switch type {
        case "W8A8":
            guard let q = linear.inputQParams else {
                throw QuantizationError("\(linear.path): static input activations were never calibrated (no calibration data reached this layer)")
            }
            // deq_scale in the model dtype's arithmetic, stored as fp32.
            let deq = w.scales.map { w.dtype.round(q.scale * $0) }
            var quantBias = [Int32](repeating: 0, count: rows)
            for r in 0..<rows {
                var sum: Float = 0
                for c in 0..<cols { sum += w.values[r * cols + c] }
                let b = linear.bias?[r] ?? 0
                let t = (b / deq[r] - q.zeroPoint * sum).rounded(.toNearestOrEven)
                guard t.isFinite, abs(t) < 2_147_483_648 else {
                    throw QuantizationError("\(linear.path): quant_bias of row \(r) (\(t)) does not fit int32")
                }
                quantBias[r] = Int32(t)
            }
            try add(WritableTensor(name: prefix + ".quant_bias", shape: [rows], int32s: quantBias), type)
            try add(f32(prefix + ".input_scale", [1], [q.scale]), type)
            try add(f32(prefix + ".input_offset", [1], [q.zeroPoint]), type)
            if w.dtype == .bfloat16 {
                try add(f32(prefix + ".deq_scale", [rows], deq), type)
            } else {
                // The fp32 bit pattern read as int32, sign-extended to int64.
                try add(WritableTensor(name: prefix + ".deq_scale", shape: [rows],
                                       int64s: deq.map { Int64(Int32(bitPattern: $0.bitPattern)) }), type)
            }
        default:
            let shape = w.args.resolvedStrategy == .group ? [w.scaleRows, w.scaleCols] : [rows, 1]
            try add(f32(prefix + ".weight_scale", shape, w.scales), type)
            try add(f32(prefix + ".weight_offset", shape, w.zeroPoints), type)
            if w.args.resolvedStrategy == .group { groupSize = w.args.groupSize ?? 0 }
        }
        if let bias = linear.bias {
            try add(f32(prefix + ".bias", [bias.count], bias), "FLOAT")
        }
    }

    private func f32(_ name: String, _ shape: [Int], _ values: [Float]) throws -> WritableTensor {
        guard let tensor = WritableTensor(name: name, shape: shape, floats: values, as: .f32) else {
            throw QuantizationError("\(name): cannot store \(values.count) values as F32")
        }
        return tensor
    }

    public override func finalizeExport(model: ExportModelSummary) throws {
        guard let writer, let context else { throw QuantizationError("AscendV1 export used before prepareExport") }
        for module in deferred {
            for tensor in module.tensors { try add(tensor, module.type) }
        }
        // A tied lm_head gets its own copy of the embedding table ("Saving lm_head.weight as clone").
        if let lmHead = model.lmHeadPath, let embed = model.embedTokensPath, !written.contains(lmHead + ".weight"),
           let table = deferred.lazy.flatMap(\.tensors).first(where: { $0.name == embed + ".weight" }) {
            try add(WritableTensor(name: lmHead + ".weight", dtype: table.dtype, shape: table.shape, bytes: table.bytes), "FLOAT")
        }
        deferred = []
        _ = try writer.finish()
        var root = description
        if let kvCacheType {
            root.append(key: "kv_cache_type", value: .string(kvCacheType))
            root.append(key: "kv_quant_type", value: .string(kvCacheType))
        }
        root.append(key: "version", value: "1.0.0")
        root.append(key: "model_quant_type", value: .string(modelQuantType))
        root.append(key: "metadata", value: .object(JSONObject()))
        root.append(key: "group_size", value: .int(groupSize))
        root.append(key: "optional", value: .object(JSONObject()))
        let text = JSONWriter.bytes(.object(root), layout: .python(indent: 4, sortKeys: false, ensureASCII: true))
        try Data(text).write(to: context.saveDirectory.appendingPathComponent(Self.descriptionFile))
        try writeConfig(model.sourceConfig, to: context.saveDirectory.appendingPathComponent("config.json"))
        for file in model.sideFiles {
            let lower = file.lastPathComponent.lowercased()
            guard [".json", ".py", ".txt", ".jinja"].contains(where: { lower.hasSuffix($0) }) else { continue }
            let target = context.saveDirectory.appendingPathComponent(file.lastPathComponent)
            if FileManager.default.fileExists(atPath: target.path) { continue }
            try FileManager.default.copyItem(at: file, to: target)
        }
        if let recipe = model.recipe {
            try Data(recipe.utf8).write(to: context.saveDirectory.appendingPathComponent("default_best_practice.yaml"))
        }
    }

    /// config.json as the source has it; without `quantization_config` (top level and
    /// `text_config`) when it has one.
    private func writeConfig(_ source: Data, to url: URL) throws {
        guard let parsed = try? JSONParser.parse(source), case .object(var members) = parsed else {
            throw QuantizationError("source config.json is not a JSON object")
        }
        var changed = false
        if members.containsKey("quantization_config") {
            members = JSONObject(members.members.filter { $0.key != "quantization_config" })
            changed = true
        }
        if case .object(var text)? = members["text_config"], text.containsKey("quantization_config") {
            text = JSONObject(text.members.filter { $0.key != "quantization_config" })
            members = JSONObject(members.members.map { $0.key == "text_config" ? JSONMember(key: $0.key, value: .object(text)) : $0 })
            changed = true
        }
        if changed {
            try Data(JSONWriter.bytes(.object(members), layout: .python(indent: 2, sortKeys: false, ensureASCII: true))).write(to: url)
        } else {
            try source.write(to: url)
        }
    }
}
