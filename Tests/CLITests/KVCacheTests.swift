import Foundation
import Testing

/// KV-cache quantization end to end: llm-compressor's kv_cache_scheme (compressed-tensors k_scale /
/// v_scale) and msModelSlim's dynamic_cache (AscendV1 C8), written, refused where a format cannot
/// hold them, and simulated by the evaluation.
@Suite struct KVCacheTests {
    static var calibration: String { CLIRunner.calibration }
    static var wiki: String { CLIRunner.wiki }

    static func fp8Recipe(kv: Bool) -> String {
        """
        default_stage:
          default_modifiers:
            QuantizationModifier:
              targets: [Linear]
              ignore: [lm_head]
              scheme: FP8
        \(kv ? "      kv_cache_scheme: {num_bits: 8, type: float, strategy: tensor, dynamic: false, symmetric: true}" : "")
        """
    }

    static func modelSlimRecipe(dynamicCache: Bool, saves: [String] = ["ascendv1_saver"], scope: String = "per_channel") -> String {
        """
        apiversion: modelslim_v1
        spec:
          process:
            - type: linear_quant
              qconfig:
                act: {scope: per_tensor, dtype: int8, symmetric: false, method: minmax}
                weight: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}
              include: ["*"]
        \(dynamicCache ? "    - type: dynamic_cache\n      qconfig: {scope: \(scope), dtype: int8, symmetric: true, method: minmax}\n      include: [\"*\"]" : "")
          dataset: \(calibration)
          save:
        \(saves.map { "    - type: \($0)" }.joined(separator: "\n"))
        """
    }

    /// The tensors of a safetensors file: name → (dtype, shape), from its JSON header.
    static func header(_ url: URL) throws -> [String: (dtype: String, shape: [Int])] {
        let data = try Data(contentsOf: url)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let object = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any] ?? [:]
        var result: [String: (String, [Int])] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard let entry = value as? [String: Any] else { continue }
            result[name] = (entry["dtype"] as? String ?? "", entry["shape"] as? [Int] ?? [])
        }
        return result
    }

    /// `swiftquant eval --json` perplexity of a checkpoint on E(128, 4096) of WikiText-2.
    static func perplexity(_ model: URL) throws -> Double {
        let r = try CLIRunner.run(["eval", "--model", model.path, "--data", wiki, "--ctx", "128", "--tokens", "4096", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return object?["ppl"] as? Double ?? .nan
    }

    func quantize(_ recipe: String, in dir: URL, name: String, extra: [String] = []) throws -> URL {
        let out = dir.appendingPathComponent(name)
        let r = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel,
                                   "--recipe", try RecipeFieldTests.write(recipe, name + ".yaml", in: dir).path,
                                   "--dataset", Self.calibration, "--output", out.path] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return out
    }

    @Test func compressedTensorsKVCacheIsWrittenAndSimulated() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let withKV = try quantize(Self.fp8Recipe(kv: true), in: dir, name: "kv")
        let without = try quantize(Self.fp8Recipe(kv: false), in: dir, name: "nokv")
        let tensors = try Self.header(withKV.appendingPathComponent("model.safetensors"))
        for layer in 0..<5 {
            for name in ["k_scale", "v_scale"] {
                let entry = tensors["model.layers.\(layer).self_attn.\(name)"]
                #expect(entry?.dtype == "F32" && entry?.shape == [1], "layer \(layer) \(name): \(String(describing: entry))")
            }
        }
        #expect(try Self.header(without.appendingPathComponent("model.safetensors")).keys.allSatisfy { !$0.hasSuffix("k_scale") })
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: withKV.appendingPathComponent("config.json"))) as? [String: Any]
        let kv = (config?["quantization_config"] as? [String: Any])?["kv_cache_scheme"] as? [String: Any]
        #expect(kv?["type"] as? String == "float" && kv?["num_bits"] as? Int == 8 && kv?["strategy"] as? String == "tensor")
        // The evaluation fake-quantizes keys and values: the same Linears give another perplexity.
        let a = try Self.perplexity(withKV), b = try Self.perplexity(without)
        #expect(a.isFinite && b.isFinite && a != b, "kv \(a), no kv \(b)")
    }

    @Test func ascendC8IsWrittenAndSimulated() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let c8 = try quantize(Self.modelSlimRecipe(dynamicCache: true), in: dir, name: "c8")
        let plain = try quantize(Self.modelSlimRecipe(dynamicCache: false), in: dir, name: "plain")
        let description = try JSONSerialization.jsonObject(with: Data(contentsOf: c8.appendingPathComponent("quant_model_description.json"))) as? [String: Any] ?? [:]
        #expect(description["kv_cache_type"] as? String == "C8" && description["kv_quant_type"] as? String == "C8")
        #expect(description["model_quant_type"] as? String == "W8A8")
        let tensors = try Self.header(c8.appendingPathComponent("quant_model_weights-00001-of-00001.safetensors"))
        for layer in 0..<5 {
            for projection in ["k_proj", "v_proj"] {
                for name in ["kv_cache_scale", "kv_cache_offset"] {
                    let full = "model.layers.\(layer).self_attn.\(projection).\(name)"
                    #expect(description[full] as? String == "C8", "\(full) not described C8")
                    // The test model: 4 KV heads × head_dim 8.
                    #expect(tensors[full]?.dtype == "F32" && tensors[full]?.shape == [32], "\(full): \(String(describing: tensors[full]))")
                }
            }
        }
        let a = try Self.perplexity(c8), b = try Self.perplexity(plain)
        #expect(a.isFinite && b.isFinite && a != b, "C8 \(a), none \(b)")
    }

    /// The AscendV1 evaluation (the runtime's integer arithmetic) and the compressed-tensors twin
    /// written from the same calibration (fake quantization) agree.
    @Test func ascendRuntimeMatchesCompressedTensorsTwin() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try quantize(Self.modelSlimRecipe(dynamicCache: false, saves: ["ascendv1_saver", "compressed_tensors"]),
                               in: dir, name: "twins", extra: ["--save-layout", "separate"])
        let ascend = try Self.perplexity(out.appendingPathComponent("ascendv1_saver"))
        let twin = try Self.perplexity(out.appendingPathComponent("compressed_tensors"))
        #expect(abs(ascend - twin) / twin < 0.005, "AscendV1 \(ascend) vs compressed-tensors \(twin)")
    }

    @Test func formatsRefuseTheOtherConvention() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("never")
        func run(_ recipe: String, _ name: String) throws -> CLIRunner.Result {
            try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--recipe",
                               try RecipeFieldTests.write(recipe, name, in: dir).path, "--dataset", Self.calibration, "--output", out.path])
        }
        expectCleanFailure(try run(Self.modelSlimRecipe(dynamicCache: true, saves: ["compressed_tensors"]), "c8-ct.yaml"),
                           mentioning: ["dynamic_cache", "compressed_tensors"])
        expectCleanFailure(try run(Self.modelSlimRecipe(dynamicCache: true, scope: "per_tensor"), "c8-tensor.yaml"),
                           mentioning: ["qconfig.scope", "per_tensor", "per_channel"])
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
