import Foundation
import Testing
import Tensors
@testable import Safetensors

/// Every malformed-header case gives the expected error kind with a one-line message naming
/// the file (and the tensor when one is concerned).
@Suite struct BadHeaderTests {
    /// Writes `bytes` to a temporary file and expects `kind` from `SafetensorsFile(url:)`.
    @discardableResult
    static func expect(_ kind: SafetensorsError.Kind, _ bytes: [UInt8], tensor: String? = nil,
                       mentions: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> SafetensorsError? {
        let dir = try TemporaryDirectory()
        let url = try dir.write(bytes, to: "bad.safetensors")
        let error = expectSafetensorsError(kind, sourceLocation: sourceLocation) { _ = try SafetensorsFile(url: url) }
        if let error {
            #expect(error.description.hasPrefix(url.path + ": "), sourceLocation: sourceLocation)
            if let tensor {
                #expect(error.tensor == tensor, sourceLocation: sourceLocation)
                #expect(error.description.contains("tensor \"\(tensor)\""), sourceLocation: sourceLocation)
            }
            if let mentions {
                #expect(error.description.contains(mentions), "\(error)", sourceLocation: sourceLocation)
            }
        }
        return error
    }

    static func entry(_ dtype: String = "\"F32\"", _ shape: String = "[2]", _ offsets: String = "[0,8]") -> String {
        #"{"dtype":\#(dtype),"shape":\#(shape),"data_offsets":\#(offsets)}"#
    }

    @Test func tooShortAndLengthPrefix() throws {
        try Self.expect(.fileTooSmall, [])
        try Self.expect(.fileTooSmall, [1, 0, 0, 0, 0, 0, 0])
        try Self.expect(.headerPastEnd, rawFile(header: "{}", lengthPrefix: 3))
        try Self.expect(.headerPastEnd, rawFile(header: "{}", lengthPrefix: 99_999_999))
        try Self.expect(.headerTooLarge, rawFile(header: "{}", lengthPrefix: 100_000_001), mentions: "100000001")
        try Self.expect(.headerTooLarge, rawFile(header: "{}", lengthPrefix: .max))
    }

    @Test func notJSONOrNotObject() throws {
        try Self.expect(.invalidJSON, rawFile(header: "{\"a\":"))
        try Self.expect(.invalidJSON, rawFile(header: "hello"))
        try Self.expect(.invalidJSON, rawFile(header: "{}x"))
        try Self.expect(.invalidJSON, rawFile(header: "{\"a\":1}\u{0}"))
        try Self.expect(.invalidJSON, rawFile(header: String(repeating: "[", count: 100_000)))
        try Self.expect(.invalidJSON, rawFile(header: #"{"\ud800":1}"#))
        try Self.expect(.headerNotObject, rawFile(header: "[1,2]"))
        try Self.expect(.headerNotObject, rawFile(header: "  \"text\"  "))
        try Self.expect(.invalidUTF8, Array(rawFile(header: "{\"xx\":1}").prefix(8)) + [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D])
        // An empty object with padding is a valid empty file.
        let dir = try TemporaryDirectory()
        #expect(try SafetensorsFile(url: try dir.write(rawFile(header: "{}      "), to: "ok.safetensors")).tensorNames.isEmpty)
    }

    @Test func metadataMustBeStringMap() throws {
        try Self.expect(.invalidMetadata, rawFile(header: #"{"__metadata__":{"a":1}}"#), mentions: "\"a\"")
        try Self.expect(.invalidMetadata, rawFile(header: #"{"__metadata__":["a"]}"#))
        try Self.expect(.invalidMetadata, rawFile(header: #"{"__metadata__":"pt"}"#))
        try Self.expect(.duplicateKey, rawFile(header: #"{"__metadata__":{"a":"1","a":"2"}}"#))
        // null metadata is accepted as absent.
        let dir = try TemporaryDirectory()
        let file = try SafetensorsFile(url: try dir.write(rawFile(header: #"{"__metadata__":null}"#), to: "ok.safetensors"))
        #expect(!file.hasMetadataEntry)
    }

    @Test func entryFieldsMissingOrMistyped() throws {
        let data = [UInt8](repeating: 0, count: 8)
        try Self.expect(.invalidEntry, rawFile(header: #"{"w":[1]}"#, data: data), tensor: "w")
        try Self.expect(.missingField, rawFile(header: #"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, data: data), tensor: "w", mentions: "dtype")
        try Self.expect(.missingField, rawFile(header: #"{"w":{"dtype":"F32","data_offsets":[0,8]}}"#, data: data), tensor: "w", mentions: "shape")
        try Self.expect(.missingField, rawFile(header: #"{"w":{"dtype":"F32","shape":[2]}}"#, data: data), tensor: "w", mentions: "data_offsets")
        try Self.expect(.wrongFieldType, rawFile(header: #"{"w":\#(Self.entry("7"))}"#, data: data), tensor: "w")
        try Self.expect(.wrongFieldType, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "\"2\""))}"#, data: data), tensor: "w")
        try Self.expect(.wrongFieldType, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[2.0]"))}"#, data: data), tensor: "w")
        try Self.expect(.wrongFieldType, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[2e0]"))}"#, data: data), tensor: "w")
        try Self.expect(.wrongFieldType, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[null]"))}"#, data: data), tensor: "w")
        try Self.expect(.wrongFieldType, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[2]", "[0,8,8]"))}"#, data: data), tensor: "w")
        try Self.expect(.wrongFieldType, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[2]", "{\"a\":0}"))}"#, data: data), tensor: "w")
        try Self.expect(.wrongFieldType, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[2]", "[0.0,8]"))}"#, data: data), tensor: "w")
        try Self.expect(.wrongFieldType, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[2]", "[-8,0]"))}"#, data: data), tensor: "w")
        try Self.expect(.duplicateKey, rawFile(header: #"{"w":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: data), tensor: "w")
        try Self.expect(.duplicateKey, rawFile(header: #"{"w":\#(Self.entry()),"w":\#(Self.entry())}"#, data: data), tensor: "w")
        // Unknown extra fields are ignored, as by the reference implementation.
        let dir = try TemporaryDirectory()
        let ok = rawFile(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":{"x":[1]}}}"#, data: data)
        #expect(try SafetensorsFile(url: try dir.write(ok, to: "ok.safetensors")).floats("w") == [0, 0])
    }

    @Test func unknownDTypeAndBadDimensions() throws {
        let data = [UInt8](repeating: 0, count: 8)
        try Self.expect(.unknownDType, rawFile(header: #"{"w":\#(Self.entry("\"F64\"", "[1]"))}"#, data: data), tensor: "w", mentions: "F64")
        try Self.expect(.unknownDType, rawFile(header: #"{"w":\#(Self.entry("\"f32\""))}"#, data: data), tensor: "w")
        try Self.expect(.negativeDimension, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[-2]"))}"#, data: data), tensor: "w")
        try Self.expect(.negativeDimension, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[2,-1,-4]"))}"#, data: data), tensor: "w")
        try Self.expect(.sizeOverflow, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[4611686018427387904,4]"))}"#, data: data), tensor: "w")
        try Self.expect(.sizeOverflow, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[99999999999999999999999]"))}"#, data: data), tensor: "w")
        try Self.expect(.offsetsPastData, rawFile(header: #"{"w":\#(Self.entry("\"U8\"", "[8]", "[99999999999999999999990,99999999999999999999998]"))}"#, data: data), tensor: "w")
    }

    @Test func offsetProblems() throws {
        let data = [UInt8](repeating: 0, count: 16)
        try Self.expect(.byteCountMismatch, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[3]", "[0,8]"))}"#, data: data), tensor: "w", mentions: "12 bytes")
        try Self.expect(.beginAfterEnd, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[0]", "[8,0]"))}"#, data: data), tensor: "w")
        try Self.expect(.offsetsPastData, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[4]", "[8,24]"))}"#, data: data), tensor: "w")
        try Self.expect(.overlappingTensors,
                        rawFile(header: #"{"a":\#(Self.entry("\"F32\"", "[3]", "[0,12]")),"b":\#(Self.entry("\"F32\"", "[2]", "[8,16]"))}"#, data: data),
                        tensor: "b", mentions: "\"a\"")
        try Self.expect(.gapBetweenTensors,
                        rawFile(header: #"{"a":\#(Self.entry("\"F32\"", "[1]", "[0,4]")),"b":\#(Self.entry("\"F32\"", "[2]", "[8,16]"))}"#, data: data),
                        tensor: "b")
        try Self.expect(.gapBetweenTensors, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[2]", "[8,16]"))}"#, data: data), tensor: "w")
        try Self.expect(.incompleteCoverage, rawFile(header: #"{"w":\#(Self.entry("\"F32\"", "[2]", "[0,8]"))}"#, data: data), mentions: "16 bytes")
        // Tensors listed out of data order are fine; zero-sized tensors may share an offset.
        let dir = try TemporaryDirectory()
        let ok = rawFile(header: #"{"b":\#(Self.entry("\"F32\"", "[2]", "[8,16]")),"z":\#(Self.entry("\"I64\"", "[0]", "[8,8]")),"a":\#(Self.entry("\"F32\"", "[2]", "[0,8]"))}"#, data: data)
        let file = try SafetensorsFile(url: try dir.write(ok, to: "ok.safetensors"))
        #expect(file.tensorNames == ["a", "z", "b"])
    }
}
