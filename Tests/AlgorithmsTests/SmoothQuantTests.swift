import Algorithms
import Foundation
import Models
import Quantization
import Tensors
import Testing

@Suite struct SmoothQuantTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tiny/llama-untied")

    static func setup() throws -> (DecoderLayer, LayerContext, RotaryEmbedding) {
        let directory = try ModelDirectory(url: fixture)
        let layer = try CausalLM.loadLayer(0, from: directory)
        let c = directory.config
        let context = LayerContext(index: 0, prefix: "model.layers.0.", layout: c.layout, dtype: .float32,
                                   assignments: [:], batch: CalibrationBatch(), report: { _ in })
        return (layer, context, RotaryEmbedding(dim: c.headDim, base: c.ropeTheta, scaling: c.ropeScaling))
    }

    /// Calibration rows with a few outlier channels, as real activations have.
    static func rows(_ seed: UInt64, count: Int = 48) -> Matrix {
        var random = SeededRandom(seed)
        var x = random.matrix(count, 64)
        for r in 0..<count { x[r, 7] *= 30; x[r, 40] *= 12 }
        return x
    }

    /// The largest output difference of two layers on `rows(22, count: 30)`, relative to the largest
    /// output of the first.
    static func drift(_ a: DecoderLayer, _ b: DecoderLayer, rope: RotaryEmbedding) -> Float {
        var x = rows(22, count: 30), y = x
        a.forward(batch: &x, segments: [0..<30], rope: rope)
        b.forward(batch: &y, segments: [0..<30], rope: rope)
        var worst: Float = 0, scale: Float = 0
        for i in 0..<x.count {
            worst = max(worst, abs(x.data[i] - y.data[i]))
            scale = max(scale, abs(x.data[i]))
        }
        return worst / scale
    }

    static func smooth(_ layer: DecoderLayer, context: LayerContext, rope: RotaryEmbedding, strength: Double) throws -> DecoderLayer {
        var layer = layer
        let modifier = SmoothQuantModifier(settings: .init(strength: strength))
        try modifier.attach(to: &layer, context: context)
        var calibration = rows(21)
        context.batch.segments = [0..<calibration.rows]
        layer.forward(batch: &calibration, segments: context.batch.segments, rope: rope)
        for role in LinearRole.allCases { layer[role].inputTransform = nil }
        var result = LayerQuantization()
        try modifier.apply(to: &layer, result: &result, context: context)
        return layer
    }

    @Test(arguments: [0.5, 0.8])
    func floatOutputsAreUnchanged(strength: Double) throws {
        let (layer, context, rope) = try Self.setup()
        let smoothed = try Self.smooth(layer, context: context, rope: rope, strength: strength)
        #expect(smoothed.inputLayerNorm.weight != layer.inputLayerNorm.weight)
        #expect(smoothed.postAttentionLayerNorm.weight != layer.postAttentionLayerNorm.weight)
        #expect(smoothed[.qProj].weight != layer[.qProj].weight)
        #expect(smoothed[.oProj].weight == layer[.oProj].weight && smoothed[.downProj].weight == layer[.downProj].weight)
        let drift = Self.drift(layer, smoothed, rope: rope)
        #expect(drift <= 2e-5, "α \(strength): max |Δ| / max |y| = \(drift)")
    }

    @Test func scalesFollowTheFormula() throws {
        let (layer, context, rope) = try Self.setup()
        let smoothed = try Self.smooth(layer, context: context, rope: rope, strength: 0.8)
        // Recompute s for channel 7 of input_layernorm → q/k/v from the calibration input.
        let normed = layer.inputLayerNorm(Self.rows(21))
        var lo = Float.infinity, hi = -Float.infinity
        for r in 0..<normed.rows { lo = min(lo, normed[r, 7]); hi = max(hi, normed[r, 7]) }
        var wmax: Float = 0
        for role in [LinearRole.qProj, .kProj, .vProj] {
            let w = layer[role].weight
            for r in 0..<w.rows { wmax = max(wmax, abs(w[r, 7])) }
        }
        let s = max(powf(hi - lo, 0.8) / powf(2 * wmax, Float(1 - 0.8)), 1e-5)
        #expect(smoothed.inputLayerNorm.weight[7] == layer.inputLayerNorm.weight[7] / s)
        #expect(smoothed[.kProj].weight[3, 7] == layer[.kProj].weight[3, 7] * s)
    }

    @Test func mappingsAreResolvedAgainstTheArchitecture() throws {
        let directory = try ModelDirectory(url: Self.fixture)
        let c = directory.config
        let mapping = try ScaleMappingResolver.resolve(balance: ["re:.*gate_proj", "re:.*up_proj"], smooth: "re:.*post_attention_layernorm",
                                                       parent: .balance, architecture: c.architecture.declaration,
                                                       layout: c.layout, layers: c.numLayers)
        #expect(mapping.smooth == .norm(.postAttentionLayerNorm) && mapping.balance == [.gateProj, .upProj])
        #expect(throws: AlgorithmError.self) {
            try ScaleMappingResolver.resolve(balance: ["re:.*q_proj"], smooth: "re:.*pre_feedforward_layernorm", parent: .balance,
                                             architecture: c.architecture.declaration, layout: c.layout, layers: c.numLayers)
        }
        #expect(throws: AlgorithmError.self) {  // o_proj's input is not the norm's output
            try ScaleMappingResolver.resolve(balance: ["re:.*o_proj"], smooth: "re:.*input_layernorm", parent: .balance,
                                             architecture: c.architecture.declaration, layout: c.layout, layers: c.numLayers)
        }
        #expect(throws: AlgorithmError.self) {  // a pattern naming one layer only
            try ScaleMappingResolver.resolve(balance: ["re:.*q_proj"], smooth: "model.layers.0.input_layernorm", parent: .balance,
                                             architecture: c.architecture.declaration, layout: c.layout, layers: c.numLayers)
        }
    }
}
