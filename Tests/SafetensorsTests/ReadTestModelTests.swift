import Foundation
import TestAssets
import Testing
import Tensors
@testable import Safetensors

/// Reads the test model's checkpoint (wiki260K, as transformers' save_pretrained writes it). Expected
/// values were read independently with Python's `struct`/`json` from the same file (bit patterns
/// of little-endian f32).
@Suite struct ReadTestModelTests {
    @Test func headerNamesShapesAndDtype() throws {
        let file = try SafetensorsFile(url: TestAssets.testModelWeights)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.hasMetadataEntry)
        #expect(file.headerLength == 4856)
        #expect(file.fileSize == 1_044_992)
        #expect(file.tensorNames.count == 47)
        #expect(file.tensorNames.first == "model.embed_tokens.weight")
        #expect(Array(file.tensorNames.prefix(4)) == [
            "model.embed_tokens.weight",
            "model.layers.0.input_layernorm.weight",
            "model.layers.0.mlp.down_proj.weight",
            "model.layers.0.mlp.gate_proj.weight",
        ])
        #expect(file.tensorNames.last == "model.norm.weight")
        #expect(file.tensors.allSatisfy { $0.dtype == .f32 })

        let embed = try file.info("model.embed_tokens.weight")
        #expect(embed.shape == [512, 64])
        #expect(embed.dataOffsets == 0..<131_072)
        #expect(embed.elementCount == 32_768)
        let norm = try file.info("model.norm.weight")
        #expect(norm.shape == [64])
        #expect(norm.dataOffsets == 1_039_872..<1_040_128)
        let down = try file.info("model.layers.4.mlp.down_proj.weight")
        #expect(down.shape == [64, 172])
        #expect(down.dataOffsets == 858_368..<902_400)
        let k = try file.info("model.layers.2.self_attn.k_proj.weight")
        #expect(k.shape == [32, 64])
        #expect(k.dataOffsets == 627_200..<635_392)
    }

    @Test func valuesMatchIndependentDecode() throws {
        let file = try SafetensorsFile(url: TestAssets.testModelWeights)
        let expected: [(String, [(Int, UInt32)])] = [
            ("model.embed_tokens.weight", [(0, 0x3E7D_40E0), (1, 0xBE5D_E2C8), (65, 0xBE64_A08C), (32767, 0x3EC8_E9C5)]),
            ("model.norm.weight", [(0, 0x3FC8_F34D), (1, 0x3FD4_A3F9), (63, 0x3FC8_FA5D)]),
            ("model.layers.4.mlp.down_proj.weight", [(0, 0xBC78_C7FB), (171, 0xBB80_4D86), (11007, 0x3B90_FE61)]),
            ("model.layers.2.self_attn.k_proj.weight", [(0, 0x3DBA_5EDA), (100, 0xBBDB_A277), (2047, 0xBD2E_0BAF)]),
        ]
        for (name, points) in expected {
            let values = try file.floats(name)
            #expect(values.count == (try file.info(name)).elementCount)
            for (index, bits) in points {
                #expect(values[index].bitPattern == bits, "\(name)[\(index)]")
            }
        }
        // Same values through the non-allocating reader.
        var buffer = [Float](repeating: 0, count: 64)
        try buffer.withUnsafeMutableBufferPointer { try file.readFloats("model.norm.weight", into: $0) }
        #expect(buffer[0].bitPattern == 0x3FC8_F34D)
        #expect(buffer[63].bitPattern == 0x3FC8_FA5D)
        #expect(buffer == (try file.floats("model.norm.weight")))
    }

    @Test func rawBytesAreTheFileBytes() throws {
        let file = try SafetensorsFile(url: TestAssets.testModelWeights)
        let whole = try Data(contentsOf: TestAssets.testModelWeights)
        let info = try file.info("model.norm.weight")
        let start = file.dataStart + info.dataOffsets.lowerBound
        let raw = try file.bytes("model.norm.weight")
        #expect(raw == Array(whole[start..<(start + info.byteCount)]))
        let count = try file.withBytes("model.norm.weight") { $0.count }
        #expect(count == 256)
    }

    @Test func missingTensorAndWrongReaderErrors() throws {
        let file = try SafetensorsFile(url: TestAssets.testModelWeights)
        let missing = expectSafetensorsError(.tensorNotFound) { _ = try file.info("lm_head.weight") }
        #expect(missing?.description.contains("lm_head.weight") == true)
        #expect(missing?.description.contains("wiki260K/model.safetensors") == true)
        _ = expectSafetensorsError(.dtypeMismatch) { _ = try file.int32s("model.norm.weight") }
        _ = expectSafetensorsError(.dtypeMismatch) { _ = try file.ints("model.norm.weight") }
        _ = expectSafetensorsError(.bufferSizeMismatch) {
            var small = [Float](repeating: 0, count: 10)
            try small.withUnsafeMutableBufferPointer { try file.readFloats("model.norm.weight", into: $0) }
        }
    }

    @Test func smolLM2BF16Values() throws {
        // bf16 bit patterns read independently with Python struct.
        let file = try SafetensorsFile(url: TestAssets.smolLM2().appendingPathComponent("model.safetensors"))
        #expect(file.tensorNames.count == 272)
        #expect(file.tensors.allSatisfy { $0.dtype == .bf16 })
        let embed = try file.info("model.embed_tokens.weight")
        #expect(embed.shape == [49152, 576])
        let norm = try file.floats("model.norm.weight")
        #expect(norm[0] == 1.7578125)
        #expect(norm[575] == 1.984375)
        let down = try file.floats("model.layers.29.mlp.down_proj.weight")
        #expect(down[0] == -0.2734375)
        #expect(down[884_735] == 0.056640625)
        let raw = try file.withBytes("model.embed_tokens.weight") { ($0[0], $0[1], $0[2], $0[3]) }
        #expect(raw == (0xDA, 0xBD, 0x07, 0x3D))
    }
}
