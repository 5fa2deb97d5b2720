import Foundation
import Testing
import Tensors
@testable import Safetensors

/// Bad checkpoint directories and index files give one-line errors, never crashes.
@Suite struct CheckpointErrorTests {
    /// A valid two-shard checkpoint to corrupt.
    static func makeCheckpoint() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        let writer = try ShardedSafetensorsWriter(directory: dir.url, maxShardBytes: 8)
        try writer.add(WritableTensor(name: "a", shape: [2], int32s: [1, 2]))
        try writer.add(WritableTensor(name: "b", shape: [2], int32s: [3, 4]))
        _ = try writer.finish()
        return dir
    }

    static func writeIndex(_ text: String, in dir: TemporaryDirectory) throws -> URL {
        let url = dir.file("model.safetensors.index.json")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func validCheckpointOpens() throws {
        let dir = try Self.makeCheckpoint()
        let checkpoint = try SafetensorsCheckpoint(directory: dir.url)
        #expect(checkpoint.tensorNames == ["a", "b"])
        #expect(checkpoint.shardURLs.count == 2)
        #expect(try checkpoint.file(containing: "b").int32s("b") == [3, 4])
        let missing = expectSafetensorsError(.tensorNotFound) { _ = try checkpoint.info("c") }
        #expect(missing?.description.contains("model.safetensors.index.json: tensor \"c\"") == true)
    }

    @Test func malformedIndexJSON() throws {
        let dir = try Self.makeCheckpoint()
        _ = try Self.writeIndex(#"{"weight_map": {"a": "model-00001-of-00002.safetensors",}}"#, in: dir)
        let error = expectSafetensorsError(.invalidIndex) { _ = try SafetensorsCheckpoint(directory: dir.url) }
        #expect(error?.description.contains("malformed JSON") == true)
        #expect(error?.description.contains("model.safetensors.index.json") == true)
    }

    @Test func indexStructureProblems() throws {
        let dir = try Self.makeCheckpoint()
        let cases = [
            #"[1, 2]"#,
            #"{"metadata": {"total_size": 16}}"#,
            #"{"weight_map": ["a"]}"#,
            #"{"weight_map": {"a": 5}}"#,
            #"{"weight_map": {"a": "../outside.safetensors"}}"#,
            #"{"weight_map": {"a": "/abs.safetensors"}}"#,
            #"{"weight_map": {"a": "x.safetensors", "a": "y.safetensors"}}"#,
            #"{"metadata": 3, "weight_map": {}}"#,
        ]
        for text in cases {
            _ = try Self.writeIndex(text, in: dir)
            _ = expectSafetensorsError(.invalidIndex) { _ = try SafetensorsCheckpoint(directory: dir.url) }
        }
        try Data([0x7B, 0xFF, 0x7D]).write(to: dir.file("model.safetensors.index.json"))
        _ = expectSafetensorsError(.invalidIndex) { _ = try SafetensorsCheckpoint(directory: dir.url) }
    }

    @Test func weightMapPointsAtMissingShard() throws {
        let dir = try Self.makeCheckpoint()
        _ = try Self.writeIndex(#"{"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00009-of-00009.safetensors"}}"#, in: dir)
        let error = expectSafetensorsError(.missingShard) { _ = try SafetensorsCheckpoint(directory: dir.url) }
        #expect(error?.tensor == "b")
        #expect(error?.description.contains("model-00009-of-00009.safetensors") == true)
    }

    @Test func tensorListedButAbsentFromShard() throws {
        let dir = try Self.makeCheckpoint()
        _ = try Self.writeIndex(#"{"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors"}}"#, in: dir)
        let error = expectSafetensorsError(.tensorMissingFromShard) { _ = try SafetensorsCheckpoint(directory: dir.url) }
        #expect(error?.tensor == "b")
        #expect(error?.description.contains("model-00001-of-00002.safetensors") == true)
    }

    @Test func corruptShardNamesTheShard() throws {
        let dir = try Self.makeCheckpoint()
        try Data([1, 2, 3]).write(to: dir.file("model-00002-of-00002.safetensors"))
        let error = expectSafetensorsError(.fileTooSmall) { _ = try SafetensorsCheckpoint(directory: dir.url) }
        #expect(error?.path.hasSuffix("model-00002-of-00002.safetensors") == true)
    }

    @Test func emptyDirectoryAndMissingFiles() throws {
        let dir = try TemporaryDirectory()
        _ = expectSafetensorsError(.noCheckpoint) { _ = try SafetensorsCheckpoint(directory: dir.url) }
        _ = expectSafetensorsError(.io) { _ = try SafetensorsFile(url: dir.file("absent.safetensors")) }
        _ = expectSafetensorsError(.io) { _ = try SafetensorsFile(url: dir.url) }
        _ = expectSafetensorsError(.io) { _ = try SafetensorsCheckpoint(indexURL: dir.file("absent.index.json")) }
    }

    /// No safetensors but pickles or GGUF: still `.noCheckpoint`, with the conversion hint as message;
    /// a `training_args.bin` alone is not taken for weights.
    @Test func foreignWeightsGiveAConversionHint() throws {
        let dir = try TemporaryDirectory()
        try Data("x".utf8).write(to: dir.file("training_args.bin"))
        let plain = expectSafetensorsError(.noCheckpoint) { _ = try SafetensorsCheckpoint(directory: dir.url) }
        #expect(plain?.message == "found neither model.safetensors nor model.safetensors.index.json")
        try Data("x".utf8).write(to: dir.file("model-f16.gguf"))
        let gguf = expectSafetensorsError(.noCheckpoint) { _ = try SafetensorsCheckpoint(directory: dir.url) }
        #expect(gguf?.message.hasPrefix("holds GGUF weights (model-f16.gguf) and no safetensors") == true)
        try Data("x".utf8).write(to: dir.file("pytorch_model.bin"))
        let pickle = expectSafetensorsError(.noCheckpoint) { _ = try SafetensorsCheckpoint(directory: dir.url) }
        #expect(pickle?.message.hasPrefix("holds PyTorch pickle weights (pytorch_model.bin) and no safetensors") == true)
        #expect(pickle?.message.contains("save_pretrained(out, safe_serialization=True)") == true)
    }
}
