import Foundation
import JSON
import Models
import Quantization
import Safetensors
import Tensors

/// Loads an AscendV1 checkpoint (msModelSlim's `ascendv1_saver` layout, formats.md §2.2) for
/// evaluation, computing what the Ascend runtime computes:
///
/// - W8A8: x_q = clamp(rne(x/input_scale + input_offset), −128, 127), y = (x_q·Wqᵀ + quant_bias)·deq_scale
///   — run as a Linear on x_q with weight deq_scale⊙Wq and bias deq_scale⊙quant_bias;
/// - W8A8_DYNAMIC: per-token symmetric int8 inputs (scale max|x|/127), weight weight_scale⊙Wq;
/// - W8A16: weight (Wq − weight_offset)⊙weight_scale, per channel or per group;
/// - WFP8AFP8_DYNAMIC: fp8 weight ⊙ weight_scale, per-token fp8 inputs;
/// - C8 KV cache: keys (after RoPE) and values fake-quantized per channel with kv_cache_scale;
/// - FLOAT: as stored.
/// All in fp32, as the compressed-tensors evaluation.
public enum AscendV1ModelLoader {
    /// Whether `directory` is an AscendV1 checkpoint (it has a quant_model_description.json).
    public static func isAscendV1(_ directory: ModelDirectory) -> Bool {
        FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(AscendV1Format.descriptionFile).path)
    }

    /// Loads the model with the runtime's arithmetic.
    public static func load(_ directory: ModelDirectory) throws -> CausalLM {
        let descriptionURL = directory.url.appendingPathComponent(AscendV1Format.descriptionFile)
        let data = try Data(contentsOf: descriptionURL)
        guard data.count <= 64 << 20, let root = try? JSONParser.parse(data), let object = root.objectValue else {
            throw QuantizationError("\(descriptionURL.path): not a JSON object (or over 64 MiB)")
        }
        var described: [String: String] = [:]
        for member in object.members {
            if let text = member.value.stringValue { described[member.key] = text }
        }
        let types = described
        let weights = directory.weights
        let supported = ["FLOAT", "W8A8", "W8A8_DYNAMIC", "W8A16", "WFP8AFP8_DYNAMIC"]
        var model = try CausalLM.load(directory) { path, out, inFeatures in
            let type = types[path + ".weight"] ?? "FLOAT"
            guard supported.contains(type) else {
                throw QuantizationError("\(path): AscendV1 type \(type) is not supported in evaluation (supported: \(supported.joined(separator: ", ")))")
            }
            guard type != "FLOAT" else { return nil }
            return try effectiveWeight(path: path, type: type, rows: out, cols: inFeatures, weights: weights)
        }
        for path in model.linearPaths {
            let type = types[path + ".weight"] ?? "FLOAT"
            switch type {
            case "W8A8":
                let (transform, bias) = try staticInputs(path: path, rows: try weights.info(path + ".weight").shape.first ?? 0, weights: weights)
                _ = model.withLinear(at: path) { linear in
                    linear.inputTransform = transform
                    linear.bias = bias
                }
            case "W8A8_DYNAMIC":
                _ = model.withLinear(at: path) { $0.inputTransform = perToken(bits: 8, type: .int) }
            case "WFP8AFP8_DYNAMIC":
                _ = model.withLinear(at: path) { $0.inputTransform = perToken(bits: 8, type: .float) }
            default:
                break
            }
        }
        for index in model.layers.indices {
            let k = model.layers[index].attention.kProj.path, v = model.layers[index].attention.vProj.path
            guard types[k + ".kv_cache_scale"] == "C8" else { continue }
            let keyScales = try weights.floats(k + ".kv_cache_scale"), valueScales = try weights.floats(v + ".kv_cache_scale")
            let width = model.config.numKVHeads * model.config.headDim
            guard keyScales.count == width, valueScales.count == width,
                  (keyScales + valueScales).allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw QuantizationError("\(k).kv_cache_scale / \(v).kv_cache_scale must hold \(width) positive finite scales")
            }
            for name in [k + ".kv_cache_offset", v + ".kv_cache_offset"] where weights.tensorNames.contains(name) {
                guard try weights.floats(name).allSatisfy({ $0 == 0 }) else {
                    throw QuantizationError("\(name): asymmetric C8 (non-zero offsets) is not supported in evaluation")
                }
            }
            let args = QuantizationArgs(numBits: 8, type: .int, symmetric: true, strategy: .channel)
            model.layers[index].attention.kvTransform = KVTransform { keys, values in
                QuantizedKVCache.fakeQuantize(&keys, scales: keyScales, args: args, convention: .modelSlim, dtype: .float32)
                QuantizedKVCache.fakeQuantize(&values, scales: valueScales, args: args, convention: .modelSlim, dtype: .float32)
            }
        }
        return model
    }

    /// The fp32 weight the runtime effectively multiplies by.
    static func effectiveWeight(path: String, type: String, rows: Int, cols: Int, weights: SafetensorsCheckpoint) throws -> Matrix {
        let info = try weights.info(path + ".weight")
        guard info.shape == [rows, cols] else {
            throw QuantizationError("\(path).weight has shape \(info.shape), expected [\(rows), \(cols)]")
        }
        let q: [Float]
        switch info.dtype {
        case .i8: q = try weights.file(containing: path + ".weight").int8s(path + ".weight").map(Float.init)
        case .f8e4m3: q = try weights.floats(path + ".weight")
        default: throw QuantizationError("\(path).weight is \(info.dtype.rawValue), expected I8 or F8_E4M3 for \(type)")
        }
        var w = Matrix(rows: rows, cols: cols, data: q)
        if type == "W8A8" {
            let deq = try deqScale(path, rows: rows, weights: weights)
            for r in 0..<rows { for c in 0..<cols { w[r, c] *= deq[r] } }
            return w
        }
        let scales = try weights.floats(path + ".weight_scale")
        let offsets = weights.tensorNames.contains(path + ".weight_offset") ? try weights.floats(path + ".weight_offset")
            : [Float](repeating: 0, count: scales.count)
        guard !scales.isEmpty, scales.count % rows == 0, offsets.count == scales.count, cols % (scales.count / rows) == 0 else {
            throw QuantizationError("\(path).weight_scale holds \(scales.count) values, which does not fit a \(rows)×\(cols) weight")
        }
        let groups = scales.count / rows, width = cols / groups
        for r in 0..<rows {
            for c in 0..<cols {
                let g = r * groups + c / width
                w[r, c] = (w[r, c] - offsets[g]) * scales[g]
            }
        }
        return w
    }

    /// deq_scale as float32 (stored as F32, or as I64 holding the F32 bit pattern sign-extended).
    static func deqScale(_ path: String, rows: Int, weights: SafetensorsCheckpoint) throws -> [Float] {
        let name = path + ".deq_scale"
        let info = try weights.info(name)
        let values: [Float]
        switch info.dtype {
        case .i64:
            values = try weights.file(containing: name).int64s(name).map { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) }
        default:
            values = try weights.floats(name)
        }
        guard values.count == rows else { throw QuantizationError("\(name) holds \(values.count) values, expected \(rows)") }
        return values
    }

    /// W8A8's input quantization (to integers, not back) and its effective bias deq_scale⊙quant_bias.
    static func staticInputs(path: String, rows: Int, weights: SafetensorsCheckpoint) throws -> (InputTransform, [Float]) {
        guard let scale = try weights.floats(path + ".input_scale").first, scale.isFinite, scale > 0,
              let offset = try weights.floats(path + ".input_offset").first, offset.isFinite else {
            throw QuantizationError("\(path): input_scale must be positive and input_offset finite")
        }
        let deq = try deqScale(path, rows: rows, weights: weights)
        let quantBias = try weights.file(containing: path + ".quant_bias").int32s(path + ".quant_bias")
        guard quantBias.count == rows else { throw QuantizationError("\(path).quant_bias holds \(quantBias.count) values, expected \(rows)") }
        let bias = zip(deq, quantBias).map { $0 * Float($1) }
        let transform = InputTransform { x, _ in
            let count = x.count
            x.data.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                for i in 0..<count {
                    base[i] = Swift.min(Swift.max((base[i] / scale + offset).rounded(.toNearestOrEven), -128), 127)
                }
            }
        }
        return (transform, bias)
    }

    /// Per-token symmetric dynamic quantization (int8: max|x|/127, fp8: max|x|/448).
    static func perToken(bits: Int, type: QuantizationType) -> InputTransform {
        InputTransform { x, _ in
            let cols = x.cols
            x.data.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                Parallel.chunks(x.rows, minimumChunk: 16) { rows in
                    for r in rows {
                        let row = base + r * cols
                        switch type {
                        case .int:
                            // Symmetric min/max qparams: max|x| / 127.
                            ModelSlimArithmetic.fakeQuantizeRows(row, rows: 1, cols: cols, bits: bits, symmetric: true, dtype: .float32)
                        case .float:
                            var amax: Float = 0
                            for c in 0..<cols { amax = Swift.max(amax, abs(row[c])) }
                            var args = QuantizationArgs(numBits: 8, type: .float, symmetric: true)
                            args.strategy = .token
                            let q = QuantArithmetic.qparams(min: -amax, max: amax, args: args, dtype: .float32)
                            for c in 0..<cols { row[c] = QuantArithmetic.fakeQuantize(row[c], q, args: args, dtype: .float32) }
                        }
                    }
                }
            }
        }
    }
}
