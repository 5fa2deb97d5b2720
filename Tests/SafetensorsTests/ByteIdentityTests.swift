import Foundation
import TestAssets
import Testing
import Tensors
@testable import Safetensors

/// Re-serialising every tensor of a file produced by the Python `safetensors` library must give
/// the same bytes.
@Suite struct ByteIdentityTests {
    static func rewrite(_ url: URL) throws -> (original: Data, rewritten: Data) {
        let file = try SafetensorsFile(url: url)
        var writer = SafetensorsWriter(metadata: file.hasMetadataEntry ? file.metadata : nil)
        // Add in reverse so the writer's own ordering is exercised.
        for name in file.tensorNames.reversed() {
            try writer.add(try file.writableTensor(name))
        }
        return (try Data(contentsOf: url), try writer.serialized())
    }

    @Test func storiesRewriteIsByteIdentical() throws {
        let (original, rewritten) = try Self.rewrite(TestAssets.testModelWeights)
        #expect(original.count == rewritten.count)
        #expect(original == rewritten)
    }

    @Test func writeToDiskIsByteIdentical() throws {
        let file = try SafetensorsFile(url: TestAssets.testModelWeights)
        var writer = SafetensorsWriter(metadata: file.metadata)
        for name in file.tensorNames {
            let info = try file.info(name)
            try writer.add(name: name, dtype: info.dtype, shape: info.shape, bytes: try file.bytes(name))
        }
        let dir = try TemporaryDirectory()
        let out = dir.file("model.safetensors")
        try writer.write(to: out)
        #expect(try Data(contentsOf: out) == (try Data(contentsOf: TestAssets.testModelWeights)))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(leftovers == ["model.safetensors"])
    }

    /// msModelSlim output (no `__metadata__`, mixed I64/F32/I8 dtypes).
    @Test(.enabled(if: MsModelSlimOutputs.present, "needs msModelSlim's real outputs from the shared assets"))
    func msModelSlimShardRewriteIsByteIdentical() throws {
        for path in ["v1_stories_w8a8_static/quant_model_weights-00001-of-00001.safetensors",
                     "v1_stories_w8a16/quant_model_weights-00001-of-00001.safetensors"] {
            let url = MsModelSlimOutputs.file(path)
            let file = try SafetensorsFile(url: url)
            #expect(!file.hasMetadataEntry)
            let (original, rewritten) = try Self.rewrite(url)
            #expect(original == rewritten, "\(path)")
        }
    }

    /// SmolLM2 (270 MB, bf16; only when ../shared/models/get-smollm2.sh has been run).
    @Test func smolLM2RewriteIsByteIdentical() throws {
        let (original, rewritten) = try Self.rewrite(TestAssets.smolLM2().appendingPathComponent("model.safetensors"))
        #expect(original.count == rewritten.count)
        #expect(original == rewritten)
    }
}
