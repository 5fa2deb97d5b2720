import Foundation
import Quantization
import Safetensors
import Tensors
import Testing

/// The mse weight observer against llm-compressor's grid search (fixture made by
/// scripts/make_mse_fixture.py: int4 symmetric group 32, rows of different magnitudes with outliers).
@Suite("mse observer")
struct MSEObserverTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/observers/mse.safetensors")

    @Test(arguments: [("f32", ComputeDType.float32), ("bf16", ComputeDType.bfloat16)])
    func scalesEqualLLMCompressor(name: String, dtype: ComputeDType) throws {
        let file = try SafetensorsFile(url: Self.fixture)
        let weight = Matrix(rows: 48, cols: 128, data: try file.floats("weight_" + name))
        let expected = try file.floats("scale_" + name)
        let args = try QuantizationArgs(numBits: 4, symmetric: true, groupSize: 32, observer: "mse").validated()
        let observed = try WeightQuantizer.observe(weight, args: args, dtype: dtype)
        let minmax = try WeightQuantizer.observe(weight, args: try QuantizationArgs(numBits: 4, groupSize: 32).validated(), dtype: dtype)
        let differing = zip(observed.scales, expected).filter { $0.bitPattern != $1.bitPattern }.count
        let shrunk = zip(minmax.scales, expected).filter { $0 != $1 }.count
        print("mse \(name): \(expected.count - differing)/\(expected.count) scales equal llm-compressor's; \(shrunk) differ from min-max")
        #expect(shrunk > 0, "the fixture must exercise shrinking")
        #expect(differing == 0)
    }
}

@Suite("torch summation order")
struct TorchSumTests {
    @Test(arguments: [("f32", false), ("bf16", true)])
    func sumsEqualTorch(name: String, bfloat16Input: Bool) throws {
        let file = try SafetensorsFile(url: MSEObserverTests.fixture)
        let lengths = try file.int32s("sum_lengths").map(Int.init)
        let inputs = try file.floats("sum_inputs_" + name)
        let expected = try file.floats("sum_results_" + name)
        var offset = 0
        var equal = 0
        var sequentialEqual = 0
        for (i, n) in lengths.enumerated() {
            let total = inputs.withUnsafeBufferPointer {
                TorchSum.contiguous($0.baseAddress! + offset, count: n, bfloat16Input: bfloat16Input)
            }
            let sequential = inputs[offset..<(offset + n)].reduce(Float(0), +)
            let ours = bfloat16Input ? FloatBits.roundToBF16(total) : total
            let plain = bfloat16Input ? FloatBits.roundToBF16(sequential) : sequential
            if ours.bitPattern == expected[i].bitPattern { equal += 1 }
            if plain.bitPattern == expected[i].bitPattern { sequentialEqual += 1 }
            offset += n
        }
        print("torch.sum \(name): \(equal)/\(lengths.count) equal (a plain sequential sum: \(sequentialEqual))")
        #expect(equal == lengths.count)
    }
}
