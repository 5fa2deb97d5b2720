import Foundation
import JSON
import Models
import Quantization
import Safetensors
import Tensors

/// Loads a model for evaluation: a plain checkpoint as is, or a compressed-tensors checkpoint with its
/// weights dequantized on load and its input activations fake-quantized as transformers does.
public enum QuantizedModelLoader {
    /// Loads `directory`, dequantizing compressed tensors when config.json carries a quantization_config,
    /// or with the Ascend runtime's arithmetic when it is an AscendV1 checkpoint.
    public static func load(_ directory: ModelDirectory) throws -> CausalLM {
        if AscendV1ModelLoader.isAscendV1(directory) { return try AscendV1ModelLoader.load(directory) }
        guard let config = try CompressedTensorsConfig(configData: directory.configData) else {
            return try CausalLM.load(directory)
        }
        let weights = directory.weights
        let dtype = ComputeDType(storage: try weights.info("model.embed_tokens.weight").dtype)
        var model = try CausalLM.load(directory) { path, out, inFeatures in
            guard let scheme = config.scheme(for: path), let args = scheme.weights else { return nil }
            return try CompressedTensorsDecoder(weights: weights, dtype: dtype)
                .dequantize(path: path, rows: out, cols: inFeatures, args: args)
        }
        for path in model.linearPaths {
            guard let input = config.scheme(for: path)?.inputActivations else { continue }
            let transform = try ActivationFakeQuant.transform(args: input, path: path, weights: weights, dtype: dtype)
            _ = model.withLinear(at: path) { $0.inputTransform = transform }
        }
        if let kv = config.kvCache {
            for index in model.layers.indices {
                model.layers[index].attention.kvTransform = try kvTransform(args: kv, attention: model.layers[index].attention.path,
                                                                            weights: weights)
            }
        }
        return model
    }

    /// The fake quantization of one attention module's keys and values with its stored k_scale /
    /// v_scale (fp32 arithmetic, as the other activations here).
    static func kvTransform(args: QuantizationArgs, attention path: String, weights: SafetensorsCheckpoint) throws -> KVTransform {
        guard args.resolvedStrategy == .tensor, !args.dynamic.isDynamic else {
            throw QuantizationError("config.json: kv_cache_scheme with strategy '\(args.resolvedStrategy.rawValue)'\(args.dynamic.isDynamic ? " (dynamic)" : "") is not supported in evaluation (only static per-tensor)")
        }
        var scales: [Float] = []
        for name in [path + ".k_scale", path + ".v_scale"] {
            guard weights.tensorNames.contains(name) else {
                throw QuantizationError("config.json has a kv_cache_scheme but the checkpoint has no \(name)")
            }
            guard let scale = try weights.floats(name).first, scale.isFinite, scale > 0 else {
                throw QuantizationError("\(name) must hold one positive finite scale")
            }
            scales.append(scale)
        }
        let keyScale = scales[0], valueScale = scales[1]
        return KVTransform { keys, values in
            QuantizedKVCache.fakeQuantize(&keys, scales: [keyScale], args: args, convention: .compressedTensors, dtype: .float32)
            QuantizedKVCache.fakeQuantize(&values, scales: [valueScale], args: args, convention: .compressedTensors, dtype: .float32)
        }
    }
}

/// The parts of `quantization_config` a reader needs.
struct CompressedTensorsConfig {
    let matcher: SchemeMatcher
    /// `kv_cache_scheme`, when the checkpoint quantizes its KV cache.
    let kvCache: QuantizationArgs?

    /// nil when config.json has no compressed-tensors quantization_config.
    init?(configData: Data) throws {
        guard let root = try? JSONParser.parse(configData),
              let q = root["quantization_config"]?.objectValue else { return nil }
        guard q["quant_method"]?.stringValue == "compressed-tensors" else {
            let method = q["quant_method"].map { $0.stringValue ?? JSONWriter.string($0) } ?? ""
            throw QuantizationError("config.json: quantization_config.quant_method '\(method)' is not supported (only compressed-tensors)")
        }
        if let status = q["quantization_status"]?.stringValue, status != "compressed" {
            throw QuantizationError("config.json: quantization_status '\(status)' is not supported (only compressed)")
        }
        guard let groups = q["config_groups"]?.objectValue else {
            throw QuantizationError("config.json: quantization_config has no config_groups")
        }
        var parsed: [(String, QuantizationScheme)] = []
        for name in Set(groups.keys).sorted() {
            guard let group = groups[name]?.objectValue, let targets = Self.strings(group["targets"]) else {
                throw QuantizationError("config.json: config_groups.\(name) has no targets")
            }
            let scheme = QuantizationScheme(
                targets: targets,
                weights: try Self.args(group["weights"], key: "\(name).weights"),
                inputActivations: try Self.args(group["input_activations"], key: "\(name).input_activations"),
                outputActivations: try Self.args(group["output_activations"], key: "\(name).output_activations"))
            parsed.append((name, try scheme.validated()))
        }
        matcher = try SchemeMatcher(groups: parsed, ignore: Self.strings(q["ignore"]) ?? [])
        kvCache = try Self.args(q["kv_cache_scheme"], key: "kv_cache_scheme")
    }

    /// The strings of an array of strings; nil for anything else.
    static func strings(_ value: JSONValue?) -> [String]? {
        guard let items = value?.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else { return nil }
        return items.compactMap(\.stringValue)
    }

    func scheme(for path: String) -> QuantizationScheme? {
        matcher.scheme(forPath: path, classNames: ["Linear"])?.scheme
    }

    static func args(_ value: JSONValue?, key: String) throws -> QuantizationArgs? {
        guard let object = value?.objectValue else { return nil }
        func int(_ k: String) -> Int? { object[k]?.intValue }
        var args = QuantizationArgs()
        args.numBits = int("num_bits") ?? 8
        if let type = object["type"]?.stringValue {
            guard let parsed = QuantizationType(rawValue: type) else { throw QuantizationError("config.json: \(key).type '\(type)' is unknown") }
            args.type = parsed
        }
        args.symmetric = object["symmetric"]?.boolValue ?? true
        args.groupSize = int("group_size")
        if let strategy = object["strategy"]?.stringValue {
            guard let parsed = QuantizationStrategy(rawValue: strategy) else { throw QuantizationError("config.json: \(key).strategy '\(strategy)' is unknown") }
            args.strategy = parsed
        }
        if let dynamic = object["dynamic"]?.stringValue, dynamic == "local" {
            args.dynamic = .local
        } else if object["dynamic"]?.boolValue == true {
            args.dynamic = .dynamic
        }
        args.observer = object["observer"]?.stringValue
        return args
    }
}

/// Reads one Linear's compressed tensors back to fp32 weights.
struct CompressedTensorsDecoder {
    let weights: SafetensorsCheckpoint
    let dtype: ComputeDType

    func dequantize(path: String, rows: Int, cols: Int, args: QuantizationArgs) throws -> Matrix {
        let names = Set(weights.tensorNames)
        let values: [Float]
        if names.contains(path + ".weight_packed") {
            let packed = try weights.file(containing: path + ".weight_packed").int32s(path + ".weight_packed")
            values = Packing.unpackRows(packed, rows: rows, cols: cols, bits: args.numBits)
        } else if names.contains(path + ".weight") {
            let info = try weights.info(path + ".weight")
            switch info.dtype {
            case .i8: values = try weights.file(containing: path + ".weight").int8s(path + ".weight").map(Float.init)
            case .f8e4m3: values = try weights.floats(path + ".weight")
            default: return Matrix(rows: rows, cols: cols, data: try weights.floats(path + ".weight"))
            }
        } else {
            throw QuantizationError("\(path): neither weight_packed nor weight is stored")
        }
        guard values.count == rows * cols else {
            throw QuantizationError("\(path): stored weight has \(values.count) values, expected \(rows)×\(cols)")
        }
        let scales = try weights.floats(path + ".weight_scale")
        let scaleInfo = try weights.info(path + ".weight_scale")
        let scaleCols = scaleInfo.shape.count == 2 ? scaleInfo.shape[1] : 1
        let scaleRows = scales.count / max(scaleCols, 1)
        var zeros = [Float](repeating: 0, count: scales.count)
        if !args.symmetric, names.contains(path + ".weight_zero_point") {
            let zpInfo = try weights.info(path + ".weight_zero_point")
            if zpInfo.dtype == .i32 {
                let packed = try weights.file(containing: path + ".weight_zero_point").int32s(path + ".weight_zero_point")
                zeros = Packing.unpackColumns(packed, rows: scaleRows, cols: scaleCols, bits: args.numBits)
            } else {
                zeros = try weights.file(containing: path + ".weight_zero_point").int8s(path + ".weight_zero_point").map(Float.init)
            }
        }
        guard scaleRows == 1 || scaleRows == rows, scaleCols >= 1, cols % scaleCols == 0 else {
            throw QuantizationError("\(path): weight_scale shape \(scaleInfo.shape) does not fit a \(rows)×\(cols) weight")
        }
        var groupIndex: [Int32]? = nil
        if names.contains(path + ".weight_g_idx") {
            let info = try weights.info(path + ".weight_g_idx")
            guard info.dtype == .i32, info.shape == [cols] else {
                throw QuantizationError("\(path): weight_g_idx has dtype \(info.dtype.rawValue) and shape \(info.shape), expected I32 [\(cols)]")
            }
            let read = try weights.file(containing: path + ".weight_g_idx").int32s(path + ".weight_g_idx")
            if let bad = read.first(where: { $0 < 0 || Int($0) >= scaleCols }) {
                throw QuantizationError("\(path): weight_g_idx holds group \(bad), outside 0..<\(scaleCols)")
            }
            groupIndex = read
        }
        return try dequantized(rows: rows, cols: cols, args: args, values: values, scales: scales, zeros: zeros,
                               scaleRows: scaleRows, scaleCols: scaleCols, groupIndex: groupIndex)
    }

    private func dequantized(rows: Int, cols: Int, args: QuantizationArgs, values: [Float], scales: [Float], zeros: [Float],
                             scaleRows: Int, scaleCols: Int, groupIndex: [Int32]?) throws -> Matrix {
        // Dequantize in fp32, as transformers does when it loads the checkpoint with dtype=float32
        // (the scale parameters are fp32 by then): (q − zp)·scale is exact in fp32 for ≤ 8-bit q.
        let q = QuantizedWeight(rows: rows, cols: cols, args: args, dtype: .float32, values: values, scales: scales,
                                zeroPoints: zeros, scaleRows: scaleRows, scaleCols: scaleCols, groupIndex: groupIndex)
        return q.dequantized()
    }
}

/// Simulated input-activation quantization in the forward pass (fp32 activations).
public enum ActivationFakeQuant {
    /// The input transform for `args`: per-token dynamic, or static with the stored input_scale.
    static func transform(args: QuantizationArgs, path: String, weights: SafetensorsCheckpoint, dtype: ComputeDType) throws -> InputTransform {
        if args.dynamic.isDynamic {
            guard args.resolvedStrategy == .token || args.resolvedStrategy == .tensor else {
                throw QuantizationError("\(path): dynamic \(args.resolvedStrategy.rawValue) activation quantization is not supported in evaluation")
            }
            return perToken(args: args, wholeTensor: args.resolvedStrategy == .tensor)
        }
        let scale = try weights.floats(path + ".input_scale")
        var zeroPoint: Float = 0
        if weights.tensorNames.contains(path + ".input_zero_point") {
            zeroPoint = Float(try weights.file(containing: path + ".input_zero_point").int8s(path + ".input_zero_point").first ?? 0)
        }
        guard let s = scale.first else { throw QuantizationError("\(path).input_scale is empty") }
        return fixed(args: args, qparams: QParams(scale: s, zeroPoint: zeroPoint))
    }

    /// Fake-quantizes each row (token) with its own min/max qparams computed in fp32.
    public static func perToken(args: QuantizationArgs, wholeTensor: Bool = false) -> InputTransform {
        InputTransform { x, _ in
            let cols = x.cols
            if wholeTensor {
                let q = QuantArithmetic.qparams(min: x.data.min() ?? 0, max: x.data.max() ?? 0, args: args, dtype: .float32)
                for i in x.data.indices { x.data[i] = QuantArithmetic.fakeQuantize(x.data[i], q, args: args, dtype: .float32) }
                return
            }
            x.data.withUnsafeMutableBufferPointer { buffer in
                let base = buffer.baseAddress!
                Parallel.chunks(x.rows, minimumChunk: 16) { rows in
                    for r in rows {
                        let row = base + r * cols
                        var lo = Float.infinity, hi = -Float.infinity
                        for c in 0..<cols { lo = min(lo, row[c]); hi = max(hi, row[c]) }
                        let q = QuantArithmetic.qparams(min: lo, max: hi, args: args, dtype: .float32)
                        for c in 0..<cols { row[c] = QuantArithmetic.fakeQuantize(row[c], q, args: args, dtype: .float32) }
                    }
                }
            }
        }
    }

    /// Fake-quantizes with fixed (static) qparams.
    public static func fixed(args: QuantizationArgs, qparams: QParams) -> InputTransform {
        InputTransform { x, _ in
            for i in x.data.indices { x.data[i] = QuantArithmetic.fakeQuantize(x.data[i], qparams, args: args, dtype: .float32) }
        }
    }
}
