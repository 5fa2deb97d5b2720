import Algorithms
import Formats
import Foundation
import Models
import Pipeline
import Quantization
import Safetensors
import Tensors
import Testing

/// A Llama-family architecture with module names of its own, declared here: one type and one
/// `register` call are all it takes to load, calibrate, quantize and export it.
struct RenamedLlama: DecoderArchitecture {
    var modelType: String { "swiftquant_test_renamed" }
    var classPrefix: String { "RenamedTest" }

    func name(of role: LinearRole) -> String {
        switch role {
        case .qProj: "attn.wq"
        case .kProj: "attn.wk"
        case .vProj: "attn.wv"
        case .oProj: "attn.wo"
        case .gateProj: "ffn.w1"
        case .upProj: "ffn.w3"
        case .downProj: "ffn.w2"
        }
    }

    func name(of role: NormRole) -> String {
        switch role {
        case .inputLayerNorm: "attention_norm"
        case .postAttentionLayerNorm: "ffn_norm"
        case .qNorm: "attn.q_norm"
        case .kNorm: "attn.k_norm"
        }
    }

    func features(_ config: ConfigReader, layers: Int) throws -> ArchitectureFeatures {
        try Llama().features(config, layers: layers)
    }
}

@Suite("A new architecture, end to end")
struct NewArchitectureTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tiny/llama-untied")

    /// The llama-untied fixture with every decoder tensor renamed to `RenamedLlama`'s names.
    static func renamedCheckpoint(in folder: URL) throws -> URL {
        let model = folder.appendingPathComponent("renamed")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        let source = try SafetensorsFile(url: fixture.appendingPathComponent("model.safetensors"))
        let llama = Llama(), renamed = RenamedLlama()
        var renames: [String: String] = [:]
        for role in LinearRole.allCases { renames[llama.name(of: role)] = renamed.name(of: role) }
        for role in NormRole.allCases { renames[llama.name(of: role)] = renamed.name(of: role) }
        var tensors: [WritableTensor] = []
        for name in source.tensorNames.sorted() {
            var newName = name
            for (old, new) in renames where name.contains("." + old + ".") {
                newName = name.replacingOccurrences(of: "." + old + ".", with: "." + new + ".")
            }
            let info = try source.info(name)
            tensors.append(WritableTensor(name: newName, dtype: info.dtype, shape: info.shape, bytes: try source.data(name)))
        }
        try SafetensorsWriter.write(tensors, to: model.appendingPathComponent("model.safetensors"))
        var config = try String(contentsOf: fixture.appendingPathComponent("config.json"), encoding: .utf8)
        config = config.replacingOccurrences(of: "\"model_type\": \"llama\"", with: "\"model_type\": \"swiftquant_test_renamed\"")
        try config.write(to: model.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        return model
    }

    @Test func declaredArchitectureIsQuantizedEndToEnd() throws {
        if ArchitectureRegistry.architecture(modelType: "swiftquant_test_renamed") == nil {
            try ArchitectureRegistry.register(RenamedLlama())
        }
        #expect(throws: ModelError.self) { try ArchitectureRegistry.register(RenamedLlama()) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftquant-newarch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = try Self.renamedCheckpoint(in: folder)

        // Loads and runs exactly as the Llama checkpoint it was renamed from.
        let directory = try ModelDirectory(url: url)
        #expect(directory.config.architecture.rawValue == "swiftquant_test_renamed")
        let ids = [3, 141, 59, 26, 53, 58, 97, 93]
        let float = try CausalLM.load(directory).forward(ids)
        #expect(float == (try CausalLM.load(try ModelDirectory(url: Self.fixture)).forward(ids)))

        // Recipe targets see its class names.
        let inventory = ModuleInventory(config: directory.config)
        #expect(inventory.modules.contains { $0.path == "model.layers.1.attn" && $0.classNames == ["RenamedTestAttention"] })
        #expect(inventory.modules.contains { $0.path == "model.layers.0.ffn.w2" && $0.classNames == ["Linear"] })

        // GPTQ W4A16 group 16, exported and read back.
        var scheme = try QuantizationPreset.scheme(named: "W4A16")
        scheme.weights?.groupSize = 16
        let plan = try QuantizationPlan(config: directory.config, groups: [("group_0", scheme)], ignore: ["lm_head"])
        let samples = (0..<4).map { s in (0..<24).map { ($0 * 31 + s * 7 + 1) % directory.config.vocabSize } }
        let output = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let pipeline = SequentialPipeline(directory: directory, plan: plan, calibration: CalibrationSet(samples: samples),
                                          recipeText: nil, modifiers: [GPTQModifier()])
        try pipeline.run(format: try FormatRegistry.shared.make(FormatConfig(type: "compressed_tensors")),
                         context: ExportContext(saveDirectory: output, sourceModelPath: url))
        let written = try SafetensorsFile(url: output.appendingPathComponent("model.safetensors"))
        for layer in 0..<directory.config.numLayers {
            for role in LinearRole.allCases {
                #expect(written.contains("model.layers.\(layer).\(RenamedLlama().name(of: role)).weight_packed"))
            }
            #expect(try written.floats("model.layers.\(layer).ffn_norm.weight") == (try directory.weights.floats("model.layers.\(layer).ffn_norm.weight")))
        }
        let quantized = try QuantizedModelLoader.load(try ModelDirectory(url: output)).forward(ids)
        var same = 0
        for r in 0..<float.rows {
            let a = float.row(r), b = quantized.row(r)
            if a.indices.max(by: { a[$0] < a[$1] }) == b.indices.max(by: { b[$0] < b[$1] }) { same += 1 }
        }
        let finite = quantized.data.allSatisfy { $0.isFinite }
        #expect(finite)
        #expect(same >= float.rows / 2, "greedy token equal at \(same) of \(float.rows) positions")
    }
}
