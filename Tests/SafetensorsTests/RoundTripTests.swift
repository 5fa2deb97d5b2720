import Foundation
import Testing
import Tensors
@testable import Safetensors

/// write → read for every dtype, shapes including scalars and empty tensors, and header layout.
@Suite struct RoundTripTests {
    static func sampleFloats(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        var values = (0..<count).map { _ in Float.random(in: -500...500, using: &rng) }
        if count > 6 { values[0] = 0; values[1] = -0.0; values[2] = 1e-7; values[3] = 448; values[4] = -1e30; values[5] = .pi }
        return values
    }

    @Test(arguments: [DType.f32, .f16, .bf16, .f8e4m3])
    func floatingDTypeRoundTrip(dtype: DType) throws {
        let values = Self.sampleFloats(24, seed: UInt64(dtype.safetensorsRank))
        let tensor = try #require(WritableTensor(name: "w", shape: [2, 3, 4], floats: values, as: dtype))
        let dir = try TemporaryDirectory()
        let url = dir.file("t.safetensors")
        try SafetensorsWriter.write([tensor], to: url)
        let file = try SafetensorsFile(url: url)
        let info = try file.info("w")
        #expect(info.dtype == dtype)
        #expect(info.shape == [2, 3, 4])
        #expect(info.byteCount == 24 * dtype.byteSize)
        #expect(try file.data("w") == tensor.bytes)
        let expected: [Float] = values.map { value in
            switch dtype {
            case .f16: return FloatBits.f16ToFloat(FloatBits.floatToF16(value))
            case .bf16: return FloatBits.roundToBF16(value)
            case .f8e4m3: return FloatBits.f8e4m3ToFloat(FloatBits.floatToF8E4M3(value))
            default: return value
            }
        }
        let read = try file.floats("w")
        #expect(read.map(\.bitPattern) == expected.map(\.bitPattern))
        var buffer = [Float](repeating: .nan, count: 24)
        try buffer.withUnsafeMutableBufferPointer { try file.readFloats("w", into: $0) }
        #expect(buffer.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test func integerAndBoolDTypesRoundTrip() throws {
        let i8: [Int8] = [-128, -1, 0, 1, 127, 42]
        let u8: [UInt8] = [0, 1, 128, 255]
        let i32: [Int32] = [.min, -1, 0, 1, .max, 123_456]
        let i64: [Int64] = [.min, -1, 0, 1, .max, 9_876_543_210]
        let bools = [true, false, false, true, true]
        let tensors = [
            WritableTensor(name: "i8", shape: [2, 3], int8s: i8),
            WritableTensor(name: "u8", shape: [4], uint8s: u8),
            WritableTensor(name: "i32", shape: [3, 2], int32s: i32),
            WritableTensor(name: "i64", shape: [6], int64s: i64),
            WritableTensor(name: "bool", shape: [5], bools: bools),
        ]
        let dir = try TemporaryDirectory()
        let url = dir.file("ints.safetensors")
        try SafetensorsWriter.write(tensors, metadata: ["k": "v"], to: url)
        let file = try SafetensorsFile(url: url)
        #expect(file.metadata == ["k": "v"])
        #expect(try file.int8s("i8") == i8)
        #expect(try file.uint8s("u8") == u8)
        #expect(try file.int32s("i32") == i32)
        #expect(try file.int64s("i64") == i64)
        #expect(try file.bools("bool") == bools)
        #expect(try file.ints("i64") == i64.map(Int.init))
        #expect(try file.ints("i8") == i8.map(Int.init))
        #expect(try file.ints("bool") == [1, 0, 0, 1, 1])
        _ = expectSafetensorsError(.dtypeMismatch) { _ = try file.floats("i32") }
        _ = expectSafetensorsError(.dtypeMismatch) { _ = try file.int64s("i32") }
    }

    /// Order in the file: dtype descending in the Rust enum order, then name by bytes.
    @Test func mixedDTypeLayoutOrder() throws {
        var writer = SafetensorsWriter()
        let specs: [(String, DType)] = [
            ("z_bool", .bool), ("a_u8", .u8), ("m_i8", .i8), ("f8", .f8e4m3), ("h16", .f16),
            ("b16", .bf16), ("i32", .i32), ("f32_b", .f32), ("f32_a", .f32), ("F32_upper", .f32), ("i64", .i64),
        ]
        for (name, dtype) in specs {
            try writer.add(name: name, dtype: dtype, shape: [3], bytes: [UInt8](repeating: 7, count: 3 * dtype.byteSize))
        }
        let order = writer.layout().map(\.name)
        #expect(order == ["i64", "F32_upper", "f32_a", "f32_b", "i32", "b16", "h16", "f8", "m_i8", "a_u8", "z_bool"])
        let data = try writer.serialized()
        let dir = try TemporaryDirectory()
        let url = dir.file("mixed.safetensors")
        try data.write(to: url)
        let file = try SafetensorsFile(url: url)
        #expect(file.tensorNames == order)
        #expect(file.headerLength % 8 == 0)
        #expect(!file.hasMetadataEntry)
    }

    @Test func scalarsAndEmptyTensors() throws {
        let tensors = [
            try #require(WritableTensor(name: "scalar", shape: [], floats: [2.5])),
            WritableTensor(name: "empty", dtype: .f32, shape: [0, 7], bytes: [UInt8]()),
            WritableTensor(name: "empty2", dtype: .i64, shape: [3, 0], bytes: [UInt8]()),
            WritableTensor(name: "one", shape: [1], int32s: [5]),
        ]
        let dir = try TemporaryDirectory()
        let url = dir.file("s.safetensors")
        try SafetensorsWriter.write(tensors, metadata: [:], to: url)
        let file = try SafetensorsFile(url: url)
        #expect(file.hasMetadataEntry)
        #expect(file.metadata.isEmpty)
        #expect(try file.info("scalar").shape == [])
        #expect(try file.info("scalar").elementCount == 1)
        #expect(try file.floats("scalar") == [2.5])
        #expect(try file.floats("empty") == [])
        #expect(try file.int64s("empty2") == [])
        #expect(try file.info("empty").elementCount == 0)
        #expect(try file.int32s("one") == [5])
    }

    @Test func emptyFileHasNoTensors() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("none.safetensors")
        try SafetensorsWriter.write([], to: url)
        // The reference serializer's output for no tensors and no metadata.
        #expect(Array(try Data(contentsOf: url)) == [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32])
        let file = try SafetensorsFile(url: url)
        #expect(file.tensorNames.isEmpty)
    }

    @Test func writerRejectsBadTensors() throws {
        var writer = SafetensorsWriter()
        _ = expectSafetensorsError(.invalidTensor) {
            try writer.add(name: "w", dtype: .f32, shape: [2, 2], bytes: [UInt8](repeating: 0, count: 15))
        }
        _ = expectSafetensorsError(.negativeDimension) {
            try writer.add(name: "w", dtype: .f32, shape: [-1], bytes: [UInt8]())
        }
        _ = expectSafetensorsError(.invalidTensor) {
            try writer.add(name: "__metadata__", dtype: .u8, shape: [1], bytes: [1])
        }
        _ = expectSafetensorsError(.sizeOverflow) {
            try writer.add(name: "huge", dtype: .f32, shape: [Int.max / 2, 4], bytes: [UInt8]())
        }
        try writer.add(name: "w", dtype: .u8, shape: [1], bytes: [1])
        _ = expectSafetensorsError(.duplicateKey) { try writer.add(name: "w", dtype: .u8, shape: [1], bytes: [2]) }
        #expect(WritableTensor(name: "x", shape: [1], floats: [1], as: .i32) == nil)
    }

    /// Headers need not be padded: an odd header length leaves every tensor unaligned.
    @Test func unalignedDataIsDecoded() throws {
        var header = #"{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"F16","shape":[1],"data_offsets":[4,6]},"#
        header += #""c":{"dtype":"F32","shape":[1],"data_offsets":[6,10]},"d":{"dtype":"I32","shape":[1],"data_offsets":[10,14]}}"#
        if header.utf8.count % 2 == 0 { header += " " }
        let data: [UInt8] = [0x80, 0x3F, 0x00, 0xC0,  0x00, 0x3C,  0xDB, 0x0F, 0x49, 0x40,  0xFE, 0xFF, 0xFF, 0xFF]
        let dir = try TemporaryDirectory()
        let file = try SafetensorsFile(url: try dir.write(rawFile(header: header, data: data), to: "odd.safetensors"))
        #expect(file.dataStart % 2 == 1)
        #expect(try file.floats("a") == [1.0, -2.0])
        #expect(try file.floats("b") == [1.0])
        #expect(try file.floats("c") == [Float(bitPattern: 0x4049_0FDB)])
        #expect(try file.int32s("d") == [-2])
    }
}
