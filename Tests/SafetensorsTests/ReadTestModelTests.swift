import Foundation
import Testing
import Tensors
@testable import Safetensors

/// Reads the real stories260K checkpoint. Expected values were read independently with
/// Python's `struct`/`json` from the same file (bit patterns of little-endian f32).
@Suite struct ReadStoriesTests {
    @Test func headerNamesShapesAndDtype() throws {
        let file = try SafetensorsFile(url: Shared.stories)
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
        let file = try SafetensorsFile(url: Shared.stories)
        let expected: [(String, [(Int, UInt32)])] = [
            ("model.embed_tokens.weight", [(0, 0xBE96_E950), (1, 0x3F0F_D864), (65, 0xBF06_2A27), (32767, 0xBED9_1ACD)]),
            ("model.norm.weight", [(0, 0x401D_54EF), (1, 0x3FAF_046E), (63, 0x3FDA_986F)]),
            ("model.layers.4.mlp.down_proj.weight", [(0, 0xBD44_400E), (171, 0x3D4D_A0C7), (11007, 0xBB65_D38B)]),
            ("model.layers.2.self_attn.k_proj.weight", [(0, 0x3D5A_0445), (100, 0x3EBE_2F14), (2047, 0x3C98_F08C)]),
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
        #expect(buffer[0].bitPattern == 0x401D_54EF)
        #expect(buffer[63].bitPattern == 0x3FDA_986F)
        #expect(buffer == (try file.floats("model.norm.weight")))
    }

    @Test func rawBytesAreTheFileBytes() throws {
        let file = try SafetensorsFile(url: Shared.stories)
        let whole = try Data(contentsOf: Shared.stories)
        let info = try file.info("model.norm.weight")
        let start = file.dataStart + info.dataOffsets.lowerBound
        let raw = try file.bytes("model.norm.weight")
        #expect(raw == Array(whole[start..<(start + info.byteCount)]))
        let count = try file.withBytes("model.norm.weight") { $0.count }
        #expect(count == 256)
    }

    @Test func missingTensorAndWrongReaderErrors() throws {
        let file = try SafetensorsFile(url: Shared.stories)
        let missing = expectSafetensorsError(.tensorNotFound) { _ = try file.info("lm_head.weight") }
        #expect(missing?.description.contains("lm_head.weight") == true)
        #expect(missing?.description.contains("stories260K/model.safetensors") == true)
        _ = expectSafetensorsError(.dtypeMismatch) { _ = try file.int32s("model.norm.weight") }
        _ = expectSafetensorsError(.dtypeMismatch) { _ = try file.ints("model.norm.weight") }
        _ = expectSafetensorsError(.bufferSizeMismatch) {
            var small = [Float](repeating: 0, count: 10)
            try small.withUnsafeMutableBufferPointer { try file.readFloats("model.norm.weight", into: $0) }
        }
    }

    @Test(.enabled(if: Shared.hasSmolLM2)) func smolLM2BF16Values() throws {
        // bf16 bit patterns read independently with Python struct.
        let file = try SafetensorsFile(url: Shared.smollm2)
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
