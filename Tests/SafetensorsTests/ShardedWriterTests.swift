import Foundation
import TestAssets
import Testing
import Tensors
@testable import Safetensors

/// Sharded writing, index files and reading the result back as a checkpoint.
@Suite struct ShardedWriterTests {
    static func tensor(_ name: String, bytes count: Int, dtype: DType = .u8, fill: UInt8 = 1) -> WritableTensor {
        WritableTensor(name: name, dtype: dtype, shape: [count / dtype.byteSize],
                       bytes: (0..<count).map { UInt8(truncatingIfNeeded: $0 &+ Int(fill)) })
    }

    static func listing(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    }

    @Test func transformersRuleAndNames() throws {
        let dir = try TemporaryDirectory()
        let writer = try ShardedSafetensorsWriter(directory: dir.url, baseName: "model", maxShardBytes: 100)
        // 40+40 fit; +40 > 100 → new; 40+60 = 100 fits (not exceeding); +100 → new; 100+8 → new.
        let sizes = [("t1", 40), ("t2", 40), ("t3", 40), ("t4", 60), ("big", 100), ("tail", 8)]
        for (i, (name, size)) in sizes.enumerated() {
            try writer.add(Self.tensor(name, bytes: size, fill: UInt8(i)))
        }
        let result = try writer.finish()
        #expect(result.files.map(\.lastPathComponent) == [
            "model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors",
            "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors",
        ])
        #expect(result.totalSize == 288)
        #expect(result.weightMap["t3"] == "model-00002-of-00004.safetensors")
        #expect(result.weightMap["t4"] == "model-00002-of-00004.safetensors")
        #expect(result.weightMap["big"] == "model-00003-of-00004.safetensors")
        #expect(try Self.listing(dir.url) == result.files.map(\.lastPathComponent) + ["model.safetensors.index.json"])

        let indexText = String(decoding: try Data(contentsOf: try #require(result.indexURL)), as: UTF8.self)
        let expectedIndex = """
        {
          "metadata": {
            "total_size": 288
          },
          "weight_map": {
            "big": "model-00003-of-00004.safetensors",
            "t1": "model-00001-of-00004.safetensors",
            "t2": "model-00001-of-00004.safetensors",
            "t3": "model-00002-of-00004.safetensors",
            "t4": "model-00002-of-00004.safetensors",
            "tail": "model-00004-of-00004.safetensors"
          }
        }

        """
        #expect(indexText == expectedIndex)

        // Every shard carries {"format":"pt"} and reads back; the checkpoint sees everything.
        let checkpoint = try SafetensorsCheckpoint(directory: dir.url)
        #expect(checkpoint.shardURLs.map(\.lastPathComponent) == result.files.map(\.lastPathComponent))
        #expect(checkpoint.tensorNames == ["t1", "t2", "t3", "t4", "big", "tail"])
        #expect(checkpoint.indexTotalSize == 288)
        for (i, (name, size)) in sizes.enumerated() {
            let expected = Self.tensor(name, bytes: size, fill: UInt8(i)).bytes
            #expect(try checkpoint.file(containing: name).data(name) == expected)
            #expect(try checkpoint.file(containing: name).metadata == ["format": "pt"])
            #expect(try checkpoint.ints(name) == expected.map(Int.init))
        }
    }

    @Test func boundaryDiffersBetweenRules() throws {
        for (rule, expectedShards) in [(ShardingOptions.SplitRule.whenExceeding, 1), (.whenReaching, 2)] {
            let dir = try TemporaryDirectory()
            var options = ShardingOptions.transformers(maxShardBytes: 100)
            options.splitRule = rule
            let writer = try ShardedSafetensorsWriter(directory: dir.url, options: options)
            try writer.add(Self.tensor("a", bytes: 60))
            try writer.add(Self.tensor("b", bytes: 40))  // 60 + 40 == limit
            let result = try writer.finish()
            #expect(result.files.count == expectedShards, "\(rule)")
        }
    }

    @Test func singleShardWritesPlainFileWithoutIndex() throws {
        let dir = try TemporaryDirectory()
        let writer = try ShardedSafetensorsWriter(directory: dir.url, maxShardBytes: 1 << 30)
        let a = try #require(WritableTensor(name: "a", shape: [4], floats: [1, 2, 3, 4], as: .bf16))
        try writer.add(a)
        try writer.add(WritableTensor(name: "b", shape: [2], int64s: [7, 8]))
        let result = try writer.finish()
        #expect(result.indexURL == nil)
        #expect(try Self.listing(dir.url) == ["model.safetensors"])
        // Identical to writing the same tensors with the single-file writer.
        let single = try SafetensorsWriter(tensors: [a, WritableTensor(name: "b", shape: [2], int64s: [7, 8])],
                                           metadata: ["format": "pt"]).serialized()
        #expect(try Data(contentsOf: dir.file("model.safetensors")) == single)
        let checkpoint = try SafetensorsCheckpoint(directory: dir.url)
        #expect(checkpoint.indexURL == nil)
        #expect(try checkpoint.floats("a") == [1, 2, 3, 4])
    }

    @Test func noTensorsStillWritesAFile() throws {
        let dir = try TemporaryDirectory()
        let result = try ShardedSafetensorsWriter(directory: dir.url, maxShardBytes: 10).finish()
        #expect(result.files.map(\.lastPathComponent) == ["model.safetensors"])
        #expect(try SafetensorsCheckpoint(directory: dir.url).tensorNames.isEmpty)
    }

    @Test func misuseIsReported() throws {
        let dir = try TemporaryDirectory()
        let writer = try ShardedSafetensorsWriter(directory: dir.url, maxShardBytes: 10)
        try writer.add(Self.tensor("a", bytes: 8))
        _ = expectSafetensorsError(.duplicateKey) { try writer.add(Self.tensor("a", bytes: 8)) }
        _ = expectSafetensorsError(.invalidTensor) {
            try writer.add(name: "bad", dtype: .f32, shape: [3], bytes: [UInt8](repeating: 0, count: 4))
        }
        _ = try writer.finish()
        _ = expectSafetensorsError(.writerFinished) { try writer.add(Self.tensor("b", bytes: 8)) }
        _ = expectSafetensorsError(.writerFinished) { _ = try writer.finish() }
    }

    @Test func abandonedWriterRemovesItsTemporaryShards() throws {
        let dir = try TemporaryDirectory()
        do {
            let writer = try ShardedSafetensorsWriter(directory: dir.url, maxShardBytes: 10)
            for i in 0..<5 { try writer.add(Self.tensor("t\(i)", bytes: 8)) }
            #expect(writer.shardCount == 5)
            #expect(try Self.listing(dir.url).count == 4)  // four flushed temporaries
        }
        #expect(try Self.listing(dir.url).isEmpty)
    }

    /// Re-create msModelSlim's real output (../shared/reference/ascend): same shard bytes and the
    /// same index text, adding tensors in the index's (write) order.
    @Test(.enabled(if: MsModelSlimOutputs.present, "needs msModelSlim's real outputs from the shared assets"))
    func reproducesMsModelSlimOutput() throws {
        for run in ["v1_stories_w8a16", "v1_stories_w8a8_static"] {
            let source = try SafetensorsCheckpoint(indexURL: MsModelSlimOutputs.file("\(run)/quant_model_weights.safetensors.index.json"))
            let index = try CheckpointIndex.load(MsModelSlimOutputs.file("\(run)/quant_model_weights.safetensors.index.json"))
            let dir = try TemporaryDirectory()
            let writer = try ShardedSafetensorsWriter(directory: dir.url, options: .msModelSlim(maxShardBytes: 4 << 30))
            for entry in index.weightMap {
                let info = try source.info(entry.tensor)
                let bytes = try source.withBytes(entry.tensor) { Data($0) }
                try writer.add(name: entry.tensor, dtype: info.dtype, shape: info.shape, bytes: bytes)
            }
            let result = try writer.finish()
            #expect(result.files.map(\.lastPathComponent) == ["quant_model_weights-00001-of-00001.safetensors"])
            for name in ["quant_model_weights-00001-of-00001.safetensors", "quant_model_weights.safetensors.index.json"] {
                let ours = try Data(contentsOf: dir.file(name))
                let theirs = try Data(contentsOf: MsModelSlimOutputs.file("\(run)/\(name)"))
                #expect(ours == theirs, "\(run)/\(name)")
            }
        }
    }

    @Test func msModelSlimZeroLimitWritesOneFileWithoutIndex() throws {
        let dir = try TemporaryDirectory()
        let writer = try ShardedSafetensorsWriter(directory: dir.url, options: .msModelSlim(maxShardBytes: 0))
        for i in 0..<3 { try writer.add(Self.tensor("t\(i)", bytes: 1000)) }
        let result = try writer.finish()
        #expect(result.indexURL == nil)
        #expect(try Self.listing(dir.url) == ["quant_model_weights.safetensors"])
    }

    @Test func msModelSlimRuleSplitsAtTheLimit() throws {
        let dir = try TemporaryDirectory()
        let writer = try ShardedSafetensorsWriter(directory: dir.url, options: .msModelSlim(maxShardBytes: 16))
        for i in 0..<4 { try writer.add(Self.tensor("t\(i)", bytes: 8)) }  // 8 + 8 ≥ 16 → every tensor alone
        let result = try writer.finish()
        #expect(result.files.count == 4)
        #expect(result.files.last?.lastPathComponent == "quant_model_weights-00004-of-00004.safetensors")
        let text = String(decoding: try Data(contentsOf: try #require(result.indexURL)), as: UTF8.self)
        #expect(!text.hasSuffix("\n"))
        let checkpoint = try SafetensorsCheckpoint(indexURL: try #require(result.indexURL))
        #expect(checkpoint.tensorNames == ["t0", "t1", "t2", "t3"])
    }
}
