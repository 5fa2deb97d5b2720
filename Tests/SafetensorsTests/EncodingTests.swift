import Foundation
import Testing
import Tensors
@testable import Safetensors

/// Exact JSON text of headers and index files.
@Suite struct EncodingTests {
    /// Same bytes as the reference crate's own `test_serialization` (tensor "attn.0", F32 [1,2,3]).
    @Test func headerMatchesReferenceCrateExample() throws {
        let values: [Float] = [0, 1, 2, 3, 4, 5]
        let tensor = try #require(WritableTensor(name: "attn.0", shape: [1, 2, 3], floats: values))
        let out = Array(try SafetensorsWriter(tensors: [tensor]).serialized())
        let header = #"{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}"#
        #expect(out[0..<8] == [64, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(out[8..<72]) == Array(header.utf8))
        #expect(out.count == 8 + 64 + 24)
    }

    @Test func metadataOnlyHeaderMatchesReferenceCrateExample() throws {
        let out = Array(try SafetensorsWriter(metadata: ["framework": "pt"]).serialized())
        let expected: [UInt8] = [40, 0, 0, 0, 0, 0, 0, 0] + Array(#"{"__metadata__":{"framework":"pt"}}"#.utf8) + [32, 32, 32, 32, 32]
        #expect(out == expected)
    }

    /// serde_json escaping: `"` `\` short escapes, \b\t\n\f\r, other controls as \u00xx, raw UTF-8 otherwise.
    @Test func headerEscapesNamesLikeSerdeJSON() throws {
        let name = "a\"b\\c\nd\u{1}e\u{7F}é😀/"
        let tensor = WritableTensor(name: name, shape: [1], uint8s: [9])
        let writer = try SafetensorsWriter(tensors: [tensor], metadata: ["k\t": "v\u{8}\u{C}\r"])
        let header = try writer.headerBytes()
        let text = String(decoding: header[8...], as: UTF8.self)
        let expected = #"{"__metadata__":{"k\t":"v\b\f\r"},"a\"b\\c\nd\u0001e"# + "\u{7F}é😀/" + #"":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#
        #expect(text.trimmingCharacters(in: .whitespaces) == expected)
        // And it reads back to the same name and metadata.
        let dir = try TemporaryDirectory()
        let url = dir.file("esc.safetensors")
        try writer.write(to: url)
        let file = try SafetensorsFile(url: url)
        #expect(file.tensorNames == [name])
        #expect(file.metadata == ["k\t": "v\u{8}\u{C}\r"])
        #expect(try file.uint8s(name) == [9])
    }

    /// Names are ordered by UTF-8 bytes, not by Swift's Unicode-aware `<`.
    @Test func namesSortByBytes() throws {
        var writer = SafetensorsWriter()
        for name in ["é", "z", "Z", "e\u{301}x", "a"] {
            try writer.add(name: name, dtype: .u8, shape: [1], bytes: [0])
        }
        let order = writer.layout().map { Array($0.name.utf8) }
        #expect(order == order.sorted { $0.lexicographicallyPrecedes($1) })
    }

    /// Expected text produced by Python: `json.dumps(index, indent=2, sort_keys=True) + "\n"`.
    @Test func indexMatchesPythonJSONDumps() {
        let bytes = IndexEncoding.encode(
            metadata: [("total_parameters", 99), ("total_size", 1234)],
            weightMap: [("A", "model-00001-of-00002.safetensors"),
                        ("a\"q\\u\u{E9}\u{1F600}\n\u{1}\u{7F}", "model-00001-of-00002.safetensors"),
                        ("b.weight", "model-00002-of-00002.safetensors")],
            trailingNewline: true)
        let expected = "{\n  \"metadata\": {\n    \"total_parameters\": 99,\n    \"total_size\": 1234\n  },\n  \"weight_map\": {\n    \"A\": \"model-00001-of-00002.safetensors\",\n    \"a\\\"q\\\\u\\u00e9\\ud83d\\ude00\\n\\u0001\\u007f\": \"model-00001-of-00002.safetensors\",\n    \"b.weight\": \"model-00002-of-00002.safetensors\"\n  }\n}\n"
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        let empty = IndexEncoding.encode(metadata: [], weightMap: [], trailingNewline: false)
        #expect(String(decoding: empty, as: UTF8.self) == "{\n  \"metadata\": {},\n  \"weight_map\": {}\n}")
    }

    @Test func errorDescriptionsStayOnOneLine() {
        let error = SafetensorsError(.tensorNotFound, path: "/tmp/x.safetensors", tensor: "bad\nname\u{0}", "missing")
        #expect(error.description == "/tmp/x.safetensors: tensor \"bad\\nname\\u{0}\": missing")
        let long = SafetensorsError(.io, path: "p", tensor: String(repeating: "n", count: 5000), "m")
        #expect(long.description.count < 400)
    }
}
