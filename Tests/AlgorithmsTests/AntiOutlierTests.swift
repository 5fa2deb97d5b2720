@testable import Algorithms
import Foundation
import Models
import Quantization
import Tensors
import Testing

/// msModelSlim's smoothing (iter_smooth / smooth_quant) and Outlier Suppression+ on the tiny
/// Llama fixture (GQA: 4 query heads over 2 KV heads, biases on every Linear).
@Suite struct AntiOutlierTests {
    typealias Setup = (layer: DecoderLayer, context: LayerContext, rope: RotaryEmbedding)

    static func setup(assignments: [LinearRole: LinearAssignment] = [:]) throws -> Setup {
        let directory = try ModelDirectory(url: SmoothQuantTests.fixture)
        let layer = try CausalLM.loadLayer(0, from: directory)
        let c = directory.config
        let context = LayerContext(index: 0, prefix: "model.layers.0.", layout: c.layout, dtype: .float32,
                                   assignments: assignments, batch: CalibrationBatch(), report: { _ in })
        return (layer, context, RotaryEmbedding(dim: c.headDim, base: c.ropeTheta, scaling: c.ropeScaling))
    }

    /// Runs a modifier's calibration pass on outlier rows, then applies it.
    static func run(_ modifier: LayerModifier, _ setup: Setup) throws -> DecoderLayer {
        var layer = setup.layer
        try modifier.attach(to: &layer, context: setup.context)
        var calibration = SmoothQuantTests.rows(21, count: 64)
        setup.context.batch.segments = [0..<32, 32..<64]
        layer.forward(batch: &calibration, segments: setup.context.batch.segments, rope: setup.rope)
        for role in LinearRole.allCases { layer[role].inputTransform = nil }
        var result = LayerQuantization()
        try modifier.apply(to: &layer, result: &result, context: setup.context)
        return layer
    }

    /// Every input of a Linear, as the calibration pass sees it.
    static func inputs(_ setup: Setup, _ role: LinearRole) -> Matrix {
        var layer = setup.layer
        let box = RowBox()
        layer[role].addInputObserver { box.rows.append($0) }
        var x = SmoothQuantTests.rows(21, count: 64)
        layer.forward(batch: &x, segments: [0..<32, 32..<64], rope: setup.rope)
        let all = box.rows
        return Matrix(rows: all.reduce(0) { $0 + $1.rows }, cols: all[0].cols, data: all.flatMap(\.data))
    }

    final class RowBox: @unchecked Sendable { var rows: [Matrix] = [] }

    static func absMax(_ x: Matrix, column c: Int) -> Float {
        (0..<x.rows).reduce(0) { max($0, abs(x[$1, c])) }
    }

    @Test func iterSmoothLeavesTheFloatLayerUnchanged() throws {
        let setup = try Self.setup()
        let smoothed = try Self.run(IterSmoothModifier(), setup)
        for role in LinearRole.allCases where role != .gateProj && role != .kProj && role != .qProj {
            #expect(smoothed[role].weight != setup.layer[role].weight, "\(role) unchanged")
        }
        #expect(smoothed.inputLayerNorm.weight != setup.layer.inputLayerNorm.weight)
        #expect(smoothed[.upProj].bias != setup.layer[.upProj].bias && smoothed[.vProj].bias != setup.layer[.vProj].bias)
        let drift = SmoothQuantTests.drift(setup.layer, smoothed, rope: setup.rope)
        #expect(drift <= 2e-5, "relative drift \(drift)")
    }

    @Test func iterSmoothNormLinearScaleFollowsMsModelSlim() throws {
        let setup = try Self.setup()
        let smoothed = try Self.run(IterSmoothModifier(settings: .init(subgraphs: [.normLinear])), setup)
        let x = Self.inputs(setup, .qProj)
        let j = 7
        let a = Self.absMax(x, column: j)
        var w: Float = 0
        for role in [LinearRole.qProj, .kProj, .vProj] {
            let m = setup.layer[role].weight
            for r in 0..<m.rows { w = max(w, abs(m[r, j])) }
        }
        let s = max(powf(a, 0.9) / powf(max(w, 1e-5), Float(1 - 0.9)), 1e-5)
        #expect(smoothed[.kProj].weight[3, j] == setup.layer[.kProj].weight[3, j] * s)
        #expect(smoothed.inputLayerNorm.weight[j] == setup.layer.inputLayerNorm.weight[j] * (1 / s))
        // Only norm-linear: o_proj, down_proj untouched.
        #expect(smoothed[.oProj].weight == setup.layer[.oProj].weight && smoothed[.downProj].weight == setup.layer[.downProj].weight)
    }

    /// up-down's weight statistic is the signed column max of down_proj (msModelSlim passes the raw weight).
    @Test func upDownUsesTheSignedWeightMax() throws {
        let setup = try Self.setup()
        let smoothed = try Self.run(IterSmoothModifier(settings: .init(subgraphs: [.upDown])), setup)
        let x = Self.inputs(setup, .downProj)
        let down = setup.layer[.downProj].weight
        var checked = 0
        for j in 0..<down.cols {
            let signed = (0..<down.rows).map { down[$0, j] }.max() ?? 0
            let s = max(powf(Self.absMax(x, column: j), 0.9) / powf(max(signed, 1e-5), Float(0.1)), 1e-5)
            #expect(smoothed[.downProj].weight[0, j] == down[0, j] * s, "column \(j)")
            #expect(smoothed[.upProj].weight[j, 0] == setup.layer[.upProj].weight[j, 0] * (1 / s), "row \(j)")
            checked += 1
        }
        #expect(checked == down.cols)
    }

    /// ov under GQA: the scales of the query heads sharing a KV head are averaged.
    @Test func ovAveragesOverQueryHeadsOfAKVHead() throws {
        let setup = try Self.setup()
        let smoothed = try Self.run(IterSmoothModifier(settings: .init(subgraphs: [.ov])), setup)
        let o = setup.layer[.oProj].weight, o2 = smoothed[.oProj].weight
        let headDim = setup.layer.attention.headDim, perKV = setup.layer.attention.heads / setup.layer.attention.kvHeads
        #expect(perKV == 2)
        for g in 0..<setup.layer.attention.kvHeads {
            for e in 0..<headDim {
                let columns = (0..<perKV).map { g * perKV * headDim + $0 * headDim + e }
                let ratios = columns.map { o2[1, $0] / o[1, $0] }
                #expect(abs(ratios[0] - ratios[1]) <= 1e-6 * abs(ratios[0]), "group \(g) dim \(e): \(ratios)")
                let v = setup.layer[.vProj].weight[g * headDim + e, 2], v2 = smoothed[.vProj].weight[g * headDim + e, 2]
                #expect(abs(v2 * ratios[0] - v) <= 1e-5 * abs(v), "v row \(g * headDim + e)")
            }
        }
        let drift = SmoothQuantTests.drift(setup.layer, smoothed, rope: setup.rope)
        #expect(drift <= 2e-5, "relative drift \(drift)")
    }

    @Test func smoothQuantIsNormLinearAtHalfStrength() throws {
        let setup = try Self.setup()
        let settings = IterSmoothModifier.Settings.smoothQuant()
        #expect(settings.alpha == 0.5 && settings.subgraphs == [.normLinear] && settings.process == "smooth_quant")
        let smoothed = try Self.run(IterSmoothModifier(settings: settings), setup)
        let x = Self.inputs(setup, .gateProj)
        let j = 40
        var w: Float = 0
        for role in [LinearRole.gateProj, .upProj] {
            let m = setup.layer[role].weight
            for r in 0..<m.rows { w = max(w, abs(m[r, j])) }
        }
        let s = powf(Self.absMax(x, column: j), 0.5) / powf(w, 0.5)
        #expect(abs(smoothed[.upProj].weight[5, j] - setup.layer[.upProj].weight[5, j] * s) <= 1e-6 * abs(setup.layer[.upProj].weight[5, j] * s))
        #expect(smoothed[.oProj].weight == setup.layer[.oProj].weight && smoothed[.downProj].weight == setup.layer[.downProj].weight)
        #expect(SmoothQuantTests.drift(setup.layer, smoothed, rope: setup.rope) <= 2e-5)
    }

    /// symmetric: false shifts norm-linear activations: norm bias −z·r, Linear bias b + W z.
    @Test func asymmetricIterSmoothShiftsIntoBiases() throws {
        var setup = try Self.setup()
        // Drop the fixture's q/k/v biases to see them created.
        for role in [LinearRole.qProj, .kProj, .vProj] { setup.layer[role].bias = nil }
        let smoothed = try Self.run(IterSmoothModifier(settings: .init(subgraphs: [.normLinear], symmetric: false)), setup)
        let x = Self.inputs(setup, .qProj)
        let j = 7
        let column = (0..<x.rows).map { x[$0, j] }
        let z = ((column.max() ?? 0) + (column.min() ?? 0)) / 2
        let r = 1 / (setup.layer.inputLayerNorm.weight[j] / smoothed.inputLayerNorm.weight[j])
        let bias = try #require(smoothed.inputLayerNorm.bias)
        #expect(abs(bias[j] - (-z * r)) <= 1e-5 * abs(z * r), "norm bias \(bias[j]) vs \(-z * r)")
        let qBias = try #require(smoothed[.qProj].bias)
        #expect(qBias.contains { $0 != 0 })
        #expect(smoothed.postAttentionLayerNorm.bias != nil && smoothed[.oProj].bias == setup.layer[.oProj].bias)
        let drift = SmoothQuantTests.drift(setup.layer, smoothed, rope: setup.rope)
        #expect(drift <= 2e-5, "relative drift \(drift)")
    }

    /// smooth_quant gives its norms a zero bias (msModelSlim's RMSNormBias); iter_smooth none.
    @Test func smoothQuantNormsGetZeroBiases() throws {
        let setup = try Self.setup()
        let smoothed = try Self.run(IterSmoothModifier(settings: .smoothQuant()), setup)
        #expect(smoothed.inputLayerNorm.bias == [Float](repeating: 0, count: 64))
        #expect(smoothed.postAttentionLayerNorm.bias == [Float](repeating: 0, count: 64))
        let iter = try Self.run(IterSmoothModifier(), setup)
        #expect(iter.inputLayerNorm.bias == nil)
    }

    @Test(arguments: [false, true])
    func normBiasIsAddedAfterTheScale(bf16: Bool) {
        let precision: ForwardPrecision = bf16 ? .bfloat16 : .float32
        var random = SeededRandom(5)
        let x = random.matrix(3, 8)
        let plain = RMSNorm(path: "n", weight: (0..<8).map { 0.5 + Float($0) / 8 }, eps: 1e-5)
        var biased = plain
        biased.bias = (0..<8).map { Float($0) / 4 - 1 }
        let y0 = plain(x, precision: precision), y1 = biased(x, precision: precision)
        for r in 0..<3 {
            for c in 0..<8 {
                let b = Float(c) / 4 - 1
                let expected = bf16 ? FloatBits.roundToBF16(y0[r, c] + b) : y0[r, c] + b
                #expect(y1[r, c] == expected, "row \(r) column \(c)")
            }
        }
    }

    @Test func includeAndExcludeSelectSourceModules() throws {
        let setup = try Self.setup()
        let modifier = IterSmoothModifier(settings: .init(exclude: [try ModulePattern("re:.*post_attention_layernorm$"), try ModulePattern("re:.*up_proj$")]))
        let smoothed = try Self.run(modifier, setup)
        #expect(smoothed.postAttentionLayerNorm.weight == setup.layer.postAttentionLayerNorm.weight)
        #expect(smoothed[.gateProj].weight == setup.layer[.gateProj].weight && smoothed[.downProj].weight == setup.layer[.downProj].weight)
        #expect(smoothed.inputLayerNorm.weight != setup.layer.inputLayerNorm.weight)
    }

    static let w8a8: [LinearRole: LinearAssignment] = {
        let weights = QuantizationArgs(numBits: 8, type: .int, symmetric: true, strategy: .channel)
        let inputs = QuantizationArgs(numBits: 8, type: .int, symmetric: false, strategy: .tensor)
        let scheme = QuantizationScheme(targets: ["Linear"], weights: weights, inputActivations: inputs)
        return Dictionary(uniqueKeysWithValues: LinearRole.allCases.map { ($0, LinearAssignment(group: "g", scheme: scheme)) })
    }()

    @Test func outlierSuppressionPlusKeepsTheFloatLayerAndScalesAtLeastOne() throws {
        let setup = try Self.setup(assignments: Self.w8a8)
        let smoothed = try Self.run(OutlierSuppressionPlusModifier(settings: .init(rowStride: 1)), setup)
        let g = setup.layer.inputLayerNorm.weight, g2 = smoothed.inputLayerNorm.weight
        for j in 0..<g.count { #expect(abs(g2[j]) <= abs(g[j]) * (1 + 1e-6), "channel \(j) scaled below 1") }
        #expect(g2[7] != g[7], "the outlier channel 7 was not scaled")
        #expect(SmoothQuantTests.drift(setup.layer, smoothed, rope: setup.rope) <= 2e-5)
        #expect(smoothed[.oProj].weight == setup.layer[.oProj].weight)
    }

    /// With the paper's shift: biases carry z, the float layer is unchanged.
    @Test func outlierSuppressionPlusShiftKeepsTheFloatLayer() throws {
        var setup = try Self.setup(assignments: Self.w8a8)
        for role in [LinearRole.gateProj, .upProj] { setup.layer[role].bias = nil }
        let smoothed = try Self.run(OutlierSuppressionPlusModifier(settings: .init(rowStride: 1, shift: true)), setup)
        let bias = try #require(smoothed.postAttentionLayerNorm.bias)
        #expect(bias.contains { $0 != 0 } && smoothed[.gateProj].bias != nil)
        let drift = SmoothQuantTests.drift(setup.layer, smoothed, rope: setup.rope)
        #expect(drift <= 2e-5, "relative drift \(drift)")
    }

    /// The chosen threshold's quantized-output loss is no worse than no scaling (t = T).
    @Test func outlierSuppressionPlusNeverLosesToNoScaling() throws {
        let setup = try Self.setup(assignments: Self.w8a8)
        let modifier = OutlierSuppressionPlusModifier(settings: .init(gridSize: 20, rowStride: 1))
        var layer = setup.layer
        try modifier.attach(to: &layer, context: setup.context)
        var x = SmoothQuantTests.rows(21, count: 64)
        layer.forward(batch: &x, segments: [0..<64], rope: setup.rope)
        let sample = RowSample(width: 64, stride: 1, limit: 1000)
        let inputs = Self.inputs(setup, .qProj)
        sample.add(inputs, segments: [0..<32, 32..<64])
        // thres_c: the running max of x − z, z from the range after each sample.
        var low = [Float](repeating: .infinity, count: 64), high = [Float](repeating: -.infinity, count: 64)
        var expected = [Float](repeating: -.infinity, count: 64)
        for segment in [0..<32, 32..<64] {
            for r in segment { for c in 0..<64 { low[c] = min(low[c], inputs[r, c]); high[c] = max(high[c], inputs[r, c]) } }
            for r in segment { for c in 0..<64 { expected[c] = max(expected[c], inputs[r, c] - (high[c] + low[c]) / 2) } }
        }
        #expect(sample.thresholdMax == expected)
        let mapping = OutlierSuppressionPlusModifier.mappings[0]
        let chosen = try modifier.search(setup.layer, mapping: mapping, sample: sample, context: setup.context)
        let none = [Float](repeating: 1, count: 64)
        #expect(chosen.contains { $0 > 1 }, "no channel scaled on outlier data")
        // Scaled channels: s = √(thres_c / max|W|), and they are the channels of largest thres_c.
        var weightMax = [Float](repeating: 0, count: 64)
        for role in mapping.balance {
            let w = setup.layer[role].weight
            for r in 0..<w.rows { for c in 0..<64 { weightMax[c] = max(weightMax[c], abs(w[r, c])) } }
        }
        let scaled = (0..<64).filter { chosen[$0] != 1 }
        let unscaled = (0..<64).filter { chosen[$0] == 1 }
        for j in scaled {
            #expect(chosen[j] == (sample.thresholdMax[j] / weightMax[j]).squareRoot(), "channel \(j)")
            #expect(unscaled.allSatisfy { sample.thresholdMax[$0] <= sample.thresholdMax[j] || (sample.thresholdMax[j] / weightMax[j]).squareRoot() <= 1 })
        }
        func loss(_ scales: [Float]) throws -> Double {
            var total = 0.0
            let rows = sample.rows
            for role in mapping.balance {
                let w = setup.layer[role].weight
                var xs = rows, ws = w
                for r in 0..<xs.rows { for c in 0..<64 { xs[r, c] /= scales[c] } }
                for r in 0..<ws.rows { for c in 0..<64 { ws[r, c] *= scales[c] } }
                var lo = Float.infinity, hi = -Float.infinity
                for v in xs.data { lo = min(lo, v); hi = max(hi, v) }
                let q = ModelSlimArithmetic.qparams(min: lo, max: hi, bits: 8, symmetric: false, dtype: .float32)
                let count = xs.count
                xs.data.withUnsafeMutableBufferPointer { p in
                    if let base = p.baseAddress { ModelSlimArithmetic.fakeQuantize(base, count: count, q, bits: 8, dtype: .float32) }
                }
                let wq = try ModelSlimArithmetic.quantizeWeight(ws, args: QuantizationArgs(numBits: 8, type: .int, symmetric: true, strategy: .channel), dtype: .float32).dequantized()
                let y = BLAS.linear(xs, weight: wq, bias: nil), ref = BLAS.linear(rows, weight: w, bias: nil)
                for i in 0..<y.count { total += Double((y.data[i] - ref.data[i]) * (y.data[i] - ref.data[i])) }
            }
            return total
        }
        #expect(try loss(chosen) <= loss(none))
    }
}
