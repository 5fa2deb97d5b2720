@testable import Algorithms
import Foundation
import Models
import Quantization
import Tensors
import Testing

@Suite struct AWQTests {
    static let w4g32 = QuantizationArgs(numBits: 4, type: .int, symmetric: true, groupSize: 32, strategy: .group)

    /// Layer 0 of the tiny Llama (biases everywhere, GQA: v_proj → o_proj is shape-filtered out),
    /// every Linear assigned int4 group-32 weights.
    static func setup() throws -> (DecoderLayer, LayerContext) {
        let directory = try ModelDirectory(url: SmoothQuantTests.fixture)
        let layer = try CausalLM.loadLayer(0, from: directory)
        let c = directory.config
        var assignments: [LinearRole: LinearAssignment] = [:]
        for role in LinearRole.allCases {
            assignments[role] = LinearAssignment(group: "group_0", scheme: QuantizationScheme(targets: ["Linear"], weights: w4g32))
        }
        let context = LayerContext(index: 0, prefix: "model.layers.0.", layout: c.layout, dtype: .float32, assignments: assignments,
                                   batch: CalibrationBatch(), rope: RotaryEmbedding(dim: c.headDim, base: c.ropeTheta, scaling: c.ropeScaling),
                                   report: { _ in })
        return (layer, context)
    }

    /// Attaches `modifier`, runs two calibration samples through the layer.
    static func calibrate(_ modifier: AWQModifier, _ layer: inout DecoderLayer, _ context: LayerContext) throws {
        try modifier.attach(to: &layer, context: context)
        var rows = SmoothQuantTests.rows(31, count: 48)
        context.batch.segments = [0..<20, 20..<48]
        layer.forward(batch: &rows, segments: context.batch.segments, rope: context.rope!)
        for role in LinearRole.allCases { layer[role].inputTransform = nil }
    }

    @Test func theGridIsLLMCompressors() {
        let on = AWQModifier(settings: .init(duoScaling: .on, gridSize: 20)).grid
        #expect(on.count == 20)
        #expect(on[0] == (0, false) && on[1] == (0, true) && on[19] == (1, true) && on[10].ratio == 9.0 / 18.0)
        let off = AWQModifier(settings: .init(duoScaling: .off, gridSize: 20)).grid
        #expect(off.count == 20 && off.allSatisfy { !$0.duo } && off[19].ratio == 1 && off[1].ratio == 1.0 / 19.0)
        let both = AWQModifier(settings: .init(duoScaling: .both, gridSize: 20)).grid
        #expect(both.count == 20 && both[0] == (0, false) && both[1] == (0, true) && both[2].ratio == 1.0 / 9.0 && both[19] == (1, true))
    }

    @Test(arguments: [AWQModifier.DuoScaling.on, .off, .both])
    func chosenScalesNeverIncreaseTheParentLoss(duo: AWQModifier.DuoScaling) throws {
        var (layer, context) = try Self.setup()
        let modifier = AWQModifier(settings: .init(duoScaling: duo))
        try Self.calibrate(modifier, &layer, context)
        #expect(modifier.cachedMappings.map(\.parent) == [.attention, .mlp, .balance])
        var moved = 0
        for (mapping, cache) in modifier.cachedMappingsWithCaches {
            let best = try modifier.searchScales(mapping, cache: cache, layer: layer, context: context)
            let loss = try LossFunction(mapping: mapping, cache: cache, layer: layer,
                                        gram: modifier.gramSum(for: mapping.balance[0], context), context: context)
            func candidate(_ scales: [Double]) throws -> DecoderLayer {
                var c = layer
                for role in mapping.balance {
                    c[role].weight = try AWQModifier.fakeQuantized(layer[role].weight, scales: scales, args: Self.w4g32, dtype: .float32)
                }
                return c
            }
            let identity = [Double](repeating: 1, count: best.count)
            let chosen = loss.evaluate(try candidate(best), changed: mapping.balance)
            let none = loss.evaluate(try candidate(identity), changed: mapping.balance)
            #expect(chosen <= none, "\(mapping.balance): loss \(chosen) with AWQ's scales > \(none) without scaling")
            #expect(chosen > 0)
            if best != identity { moved += 1 }
        }
        // The outlier channels make at least one mapping choose non-trivial scales.
        #expect(moved > 0)
    }

    @Test func foldingScalesLeavesTheFloatLayerUnchanged() throws {
        let (layer, context) = try Self.setup()
        var folded = layer
        let modifier = AWQModifier()
        var random = SeededRandom(5)
        for mapping in context.layout.awqMappings {
            let width = context.layout.linear(mapping.balance[0]).inFeatures
            let scales = (0..<width).map { _ in Double(0.25 + 3 * abs(random.matrix(1, 1)[0, 0])) }
            modifier.fold(scales, mapping: mapping, into: &folded, context: context)
        }
        #expect(folded.inputLayerNorm.weight != layer.inputLayerNorm.weight)
        #expect(folded[.upProj].bias != layer[.upProj].bias)
        var before = SmoothQuantTests.rows(8, count: 24), after = before
        layer.forward(batch: &before, segments: [0..<24], rope: context.rope!)
        folded.forward(batch: &after, segments: [0..<24], rope: context.rope!)
        var worst: Float = 0, scale: Float = 0
        for i in 0..<before.count {
            worst = max(worst, abs(before.data[i] - after.data[i]))
            scale = max(scale, abs(before.data[i]))
        }
        #expect(worst <= 2e-5 * scale, "max |Δ| \(worst) for max |y| \(scale)")
    }

    @Test func clippingNeverIncreasesAGroupsOutputError() throws {
        var (plainLayer, context) = try Self.setup()
        var clippedLayer = plainLayer
        let plain = AWQModifier(settings: .init(mappings: []))
        let clipped = AWQModifier(settings: .init(mappings: [], clip: .init()))
        try Self.calibrate(plain, &plainLayer, context)
        try Self.calibrate(clipped, &clippedLayer, context)
        var result = LayerQuantization()
        try plain.apply(to: &plainLayer, result: &result, context: context)
        try clipped.apply(to: &clippedLayer, result: &result, context: context)
        let (original, _) = try Self.setup()
        #expect(clippedLayer[.qProj].weight == original[.qProj].weight && clippedLayer[.kProj].weight == original[.kProj].weight,
                "q/k are never clipped")
        let roles: [LinearRole] = [.vProj, .oProj, .gateProj, .upProj, .downProj]
        #expect(roles.allSatisfy { plainLayer[$0].weight == original[$0].weight }, "no mappings, no clip: nothing changes")
        #expect(roles.contains { clippedLayer[$0].weight != original[$0].weight }, "the clipping search clamped nothing")
        // v_proj reads input_layernorm(x): per quantization group, the output error over the
        // calibration rows, Σ_t (x_g · δ_g)², is what the search minimizes; it cannot get worse.
        let x = original.inputLayerNorm(SmoothQuantTests.rows(31, count: 48))
        let w = original[.vProj].weight
        let q0 = try WeightQuantizer.quantize(w, args: Self.w4g32, dtype: .float32).dequantized()
        let q1 = try WeightQuantizer.quantize(clippedLayer[.vProj].weight, args: Self.w4g32, dtype: .float32).dequantized()
        var improved = 0
        for r in 0..<w.rows {
            for g in 0..<(w.cols / 32) {
                var e0 = 0.0, e1 = 0.0
                for t in 0..<x.rows {
                    var d0 = 0.0, d1 = 0.0
                    for c in (g * 32)..<((g + 1) * 32) {
                        d0 += Double(x[t, c]) * Double(w[r, c] - q0[r, c])
                        d1 += Double(x[t, c]) * Double(w[r, c] - q1[r, c])
                    }
                    e0 += d0 * d0
                    e1 += d1 * d1
                }
                #expect(e1 <= e0 * (1 + 1e-4) + 1e-12, "v_proj row \(r) group \(g): clipped error \(e1) > unclipped \(e0)")
                if e1 < e0 * (1 - 1e-3) { improved += 1 }
            }
        }
        #expect(improved > 0)
    }

    @Test func duoScalingRefusesPerTensorWeights() throws {
        var (layer, context) = try Self.setup()
        var assignments = context.assignments
        assignments[.qProj] = LinearAssignment(group: "g", scheme: QuantizationScheme(targets: ["Linear"], weights: QuantizationArgs(numBits: 8)))
        let perTensor = LayerContext(index: 0, prefix: context.prefix, layout: context.layout, dtype: .float32, assignments: assignments,
                                     batch: context.batch, rope: context.rope, report: { _ in })
        #expect(throws: AlgorithmError.self) { try AWQModifier().attach(to: &layer, context: perTensor) }
        try AWQModifier(settings: .init(duoScaling: .off)).attach(to: &layer, context: perTensor)
    }

    @Test func recipeMappingsResolveWithTheirParents() throws {
        let directory = try ModelDirectory(url: SmoothQuantTests.fixture)
        let c = directory.config
        let architecture = c.architecture.declaration
        let qkv = try ScaleMappingResolver.resolve(balance: ["re:.*q_proj$", "re:.*k_proj$", "re:.*v_proj$"], smooth: "re:.*input_layernorm$",
                                                   parent: nil, architecture: architecture, layout: c.layout, layers: c.numLayers)
        #expect(qkv.parent == .attention && qkv.balance == [.qProj, .kProj, .vProj])
        let down = try ScaleMappingResolver.resolve(balance: ["re:.*down_proj$"], smooth: "re:.*up_proj$", parent: nil,
                                                    architecture: architecture, layout: c.layout, layers: c.numLayers)
        #expect(down.parent == .balance)
        // GQA: v_proj (32 outputs) cannot smooth o_proj (64 inputs): skipped as llm-compressor does.
        #expect(try ScaleMappingResolver.resolveIfCompatible(balance: ["re:.*o_proj$"], smooth: "re:.*v_proj$", parent: nil,
                                                             architecture: architecture, layout: c.layout, layers: c.numLayers) == nil)
        #expect(throws: AlgorithmError.self) {
            try ScaleMappingResolver.resolve(balance: ["re:.*q_proj$", "re:.*gate_proj$"], smooth: "re:.*input_layernorm$", parent: nil,
                                             architecture: architecture, layout: c.layout, layers: c.numLayers)
        }
    }
}
