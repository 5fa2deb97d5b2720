import Algorithms
import Foundation
import Models
import Quantization
import Tensors
import Testing

@Suite struct GPTQModifierTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tiny/llama-untied")

    static func context(_ directory: ModelDirectory, batch: CalibrationBatch, reports: Reports) throws -> LayerContext {
        var scheme = try QuantizationPreset.scheme(named: "W4A16")
        scheme.weights?.groupSize = 16
        var assignments: [LinearRole: LinearAssignment] = [:]
        for role in LinearRole.allCases { assignments[role] = LinearAssignment(group: "group_0", scheme: scheme) }
        return LayerContext(index: 0, prefix: "model.layers.0.", layout: directory.config.layout, dtype: .float32,
                            assignments: assignments, batch: batch, report: { reports.add($0) })
    }

    final class Reports: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    }

    /// Runs `rows` through layer 0 with the modifier attached, then applies it.
    static func run(_ modifier: GPTQModifier, rows: Matrix, reports: Reports = Reports()) throws -> (DecoderLayer, LayerQuantization) {
        let directory = try ModelDirectory(url: fixture)
        var layer = try CausalLM.loadLayer(0, from: directory)
        let batch = CalibrationBatch()
        let context = try context(directory, batch: batch, reports: reports)
        try modifier.attach(to: &layer, context: context)
        batch.segments = [0..<rows.rows]
        var hidden = rows
        let c = directory.config
        layer.forward(batch: &hidden, segments: batch.segments,
                      rope: RotaryEmbedding(dim: c.headDim, base: c.ropeTheta, scaling: c.ropeScaling))
        var result = LayerQuantization()
        try modifier.apply(to: &layer, result: &result, context: context)
        return (layer, result)
    }

    @Test func quantizesEveryLinearAndTheLayerComputesWithTheResult() throws {
        var random = SeededRandom(11)
        let rows = random.matrix(40, 64)
        let (layer, result) = try Self.run(GPTQModifier(), rows: rows)
        for role in LinearRole.allCases {
            let quantized = try #require(result.weights[role])
            #expect(quantized.dequantized() == layer[role].weight, "\(role): the layer must compute with the quantized weight")
            #expect(quantized.args.groupSize == 16)
        }
    }

    @Test func nonPositiveDefiniteHessianNamesTheLayer() throws {
        var random = SeededRandom(12)
        var rows = random.matrix(8, 64)
        rows[3, 5] = .nan  // a broken activation poisons every Hessian of the layer
        do {
            _ = try Self.run(GPTQModifier(), rows: rows)
            Issue.record("expected an error")
        } catch let error as AlgorithmError {
            #expect(error.description.hasPrefix("model.layers.0.self_attn.q_proj: the GPTQ Hessian is not positive definite"))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func moreDampeningIsReportedPerLayer() throws {
        // One token: every Hessian has rank 1, singular without dampening; the retry at 0.1 is reported.
        var random = SeededRandom(13)
        let reports = Reports()
        _ = try Self.run(GPTQModifier(settings: .init(dampeningFraction: 0)), rows: random.matrix(1, 64), reports: reports)
        #expect(reports.all.contains { $0.hasPrefix("model.layers.0.self_attn.q_proj: Hessian not positive definite with dampening 0.0; used 0.1") },
                "\(reports.all)")
    }
}
