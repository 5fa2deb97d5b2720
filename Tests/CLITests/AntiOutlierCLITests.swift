import Foundation
import Testing

/// msModelSlim's default recipes (Tests/Fixtures/recipes/modelslim, unchanged copies of
/// `lab_practice/default/default-w8a8.yaml` and `default-w8a16.yaml`) and the anti-outlier methods,
/// run through `swiftquant quantize` on the test model.
@Suite("CLI: msModelSlim default recipes and anti-outlier methods")
struct AntiOutlierCLITests {
    static let fixtures = CLIRunner.packageRoot.appendingPathComponent("Tests/Fixtures/recipes/modelslim")
    static let data = CLIRunner.wiki

    /// The description's value per tensor of an AscendV1 output.
    static func description(_ out: URL) throws -> [String: String] {
        let data = try Data(contentsOf: out.appendingPathComponent("quant_model_description.json"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return object.compactMapValues { $0 as? String }
    }

    @Test(arguments: ["default-w8a8", "default-w8a16"])
    func defaultRecipeRuns(name: String) throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let result = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out.path,
                                        "--recipe", Self.fixtures.appendingPathComponent("\(name).yaml").path,
                                        "--dataset", Self.data, "--samples", "4", "--seqlen", "64", "--dataset-start", "half"])
        #expect(result.status == 0, "\(name): \(result.errorLine)")
        let description = try Self.description(out)
        let expected = name == "default-w8a8" ? "W8A8_DYNAMIC" : "W8A16"
        #expect(description["model.layers.0.self_attn.q_proj.weight"] == expected)
        #expect(description["model.layers.4.mlp.down_proj.weight"] == expected)
        #expect(description["model.layers.0.input_layernorm.weight"] == "FLOAT")
    }

    /// The bytes of tensor `name` in the safetensors files of `dir`.
    static func tensor(_ name: String, in dir: URL) throws -> Data? {
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".safetensors") {
            let data = try Data(contentsOf: dir.appendingPathComponent(file))
            guard data.count >= 8 else { continue }
            let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any] ?? [:]
            guard let entry = header[name] as? [String: Any], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else { continue }
            return data.subdata(in: (8 + length + offsets[0])..<(8 + length + offsets[1]))
        }
        return nil
    }

    /// default-w8a8's iter_smooth rewrites the norms it smooths; default-w8a16 copies them.
    @Test func iterSmoothChangesTheNorms() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = URL(fileURLWithPath: CLIRunner.testModel)
        for name in ["default-w8a8", "default-w8a16"] {
            let out = dir.appendingPathComponent(name)
            let result = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out.path,
                                            "--recipe", Self.fixtures.appendingPathComponent("\(name).yaml").path,
                                            "--dataset", Self.data, "--samples", "4", "--seqlen", "64"])
            #expect(result.status == 0, "\(name): \(result.errorLine)")
            for norm in ["model.layers.0.input_layernorm.weight", "model.layers.3.post_attention_layernorm.weight"] {
                let original = try Self.tensor(norm, in: source), written = try Self.tensor(norm, in: out)
                #expect(original != nil && written != nil, "\(norm) missing")
                #expect((original == written) == (name == "default-w8a16"), "\(name): \(norm)")
            }
            #expect(try Self.tensor("model.norm.weight", in: source) == Self.tensor("model.norm.weight", in: out))
        }
    }

    @Test(arguments: ["m1", "m2", "m3", "m4"])
    func antiMethodRuns(method: String) throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let recipe = dir.appendingPathComponent("w8a8.yaml")
        try """
            apiversion: modelslim_v1
            spec:
              process:
                - type: linear_quant
                  qconfig:
                    act: {scope: per_tensor, dtype: int8, symmetric: false, method: minmax}
                    weight: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}
              save: [{type: compressed_tensors}]

            """.write(to: recipe, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let result = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out.path, "--recipe", recipe.path,
                                        "--anti-method", method, "--dataset", Self.data, "--samples", "4", "--seqlen", "64"])
        #expect(result.status == 0, "\(method): \(result.errorLine)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("config.json").path))
    }

    @Test func antiMethodErrors() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let w8a16 = Self.fixtures.appendingPathComponent("default-w8a16.yaml").path
        for (method, fragment) in [("m5", "anti-outlier method m5 (CBQ) is not supported yet (supported: m1 (SmoothQuant), m2 (Outlier Suppression+), m3 (AWQ), m4 (iter_smooth))"),
                                   ("x1", "unknown anti-outlier method 'x1' (known: m1 (SmoothQuant)"),
                                   ("m4", "smooths activations for W8A8; for a weight-only scheme use m3 (AWQ)")] {
            let result = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out.path, "--recipe", w8a16,
                                            "--anti-method", method, "--dataset", Self.data, "--samples", "4", "--seqlen", "64"])
            #expect(result.status == 1)
            #expect(result.errorLine.contains(fragment), "\(result.errorLine)")
            #expect(!result.errorLine.contains("\n"))
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    /// A W8A8 static recipe with a smoothing process before linear_quant, saved as `saver`.
    static func recipe(_ smoothing: String, saver: String, in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent("recipe-\(saver).yaml")
        try """
            apiversion: modelslim_v1
            spec:
              process:
                - \(smoothing)
                - type: linear_quant
                  qconfig:
                    act: {scope: per_tensor, dtype: int8, symmetric: false, method: minmax}
                    weight: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}
              save: [{type: \(saver)}]

            """.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Asymmetric iter_smooth writes its norm and Linear biases in AscendV1 and is refused by name
    /// for compressed-tensors, whose transformers modules cannot hold them.
    @Test func asymmetricIterSmoothNeedsAscendV1() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let smoothing = "{type: iter_smooth, symmetric: false}"
        let refused = dir.appendingPathComponent("refused")
        let result = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", refused.path,
                                        "--recipe", try Self.recipe(smoothing, saver: "compressed_tensors", in: dir).path,
                                        "--dataset", Self.data, "--samples", "4", "--seqlen", "64"])
        #expect(result.status == 1)
        #expect(result.errorLine.contains("iter_smooth with 'symmetric' false shifts activations into norm biases"), "\(result.errorLine)")
        #expect(!FileManager.default.fileExists(atPath: refused.path))
        let out = dir.appendingPathComponent("ascend")
        let ran = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out.path,
                                     "--recipe", try Self.recipe(smoothing, saver: "ascendv1_saver", in: dir).path,
                                     "--dataset", Self.data, "--samples", "4", "--seqlen", "64"])
        #expect(ran.status == 0, "\(ran.errorLine)")
        let description = try Self.description(out)
        #expect(description["model.layers.0.input_layernorm.bias"] == "FLOAT")
        #expect(description["model.layers.0.self_attn.q_proj.bias"] == "FLOAT")
        #expect(description["model.layers.0.self_attn.o_proj.bias"] == nil)
        let bias = try #require(try Self.tensor("model.layers.0.input_layernorm.bias", in: out))
        #expect(bias.count == 64 * 4 && bias.contains { $0 != 0 })
    }

    /// m1 (smooth_quant) gives its norms zero biases: written in AscendV1, left out of compressed-tensors.
    @Test func smoothQuantZeroNormBiases() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for saver in ["ascendv1_saver", "compressed_tensors"] {
            let out = dir.appendingPathComponent(saver)
            let result = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out.path,
                                            "--recipe", try Self.recipe("{type: smooth_quant}", saver: saver, in: dir).path,
                                            "--dataset", Self.data, "--samples", "4", "--seqlen", "64"])
            #expect(result.status == 0, "\(saver): \(result.errorLine)")
            let bias = try Self.tensor("model.layers.1.post_attention_layernorm.bias", in: out)
            if saver == "ascendv1_saver" {
                #expect(bias == Data(count: 64 * 4))
            } else {
                #expect(bias == nil)
            }
        }
    }
}
