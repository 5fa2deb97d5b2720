import JSON
import Testing

/// `JSONWriter` layouts against the exact bytes SwiftQuant writes (and wrote before the JSON
/// target existed: serde_json headers, Python index files and config.json, Foundation records).
@Suite struct WriterTests {
    static func utf8(_ value: JSONValue, _ layout: JSONLayout) -> [UInt8] {
        JSONWriter.bytes(value, layout: layout)
    }

    /// From Tests/FormatsTests/PythonJSONTests.swift (the `PythonJSON` writer this replaces).
    /// python3 -c 'import json; print(json.dumps(json.loads(S), indent=2, sort_keys=True))'
    @Test func matchesJsonDumpsIndent2SortKeys() throws {
        let source = #"{"b": [1, 2.5, 1e-05, 100000.0], "a": {"z": null, "y": true}, "c": "é\n", "d": [], "e": {}}"#
        let object = try JSONParser.parse(Array(source.utf8))
        let expected = """
        {
          "a": {
            "y": true,
            "z": null
          },
          "b": [
            1,
            2.5,
            1e-05,
            100000.0
          ],
          "c": "\\u00e9\\n",
          "d": [],
          "e": {}
        }
        """
        #expect(Self.utf8(object, .python(indent: 2, sortKeys: true, ensureASCII: true)) == Array(expected.utf8))
    }

    /// The reference safetensors crate's `test_serialization` header (tensor "attn.0", F32 [1,2,3]).
    @Test func compactIsSerdeJSON() {
        let header: JSONValue = ["attn.0": ["dtype": "F32", "shape": [1, 2, 3], "data_offsets": [0, 24]]]
        #expect(JSONWriter.string(header) == #"{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}"#)
        let metadata: JSONValue = ["__metadata__": ["framework": "pt"]]
        #expect(JSONWriter.string(metadata) == #"{"__metadata__":{"framework":"pt"}}"#)
    }

    /// serde_json escaping: `"` `\` short escapes, \b\t\n\f\r, other controls as \u00xx, raw
    /// UTF-8 otherwise (from Tests/SafetensorsTests/EncodingTests.swift).
    @Test func compactEscapesLikeSerdeJSON() {
        let name = "a\"b\\c\nd\u{1}e\u{7F}é😀/"
        let value: JSONValue = ["__metadata__": ["k\t": "v\u{8}\u{C}\r"], name: 1]
        let expected = #"{"__metadata__":{"k\t":"v\b\f\r"},"a\"b\\c\nd\u0001e"# + "\u{7F}é😀/" + #"":1}"#
        #expect(Self.utf8(value, .compact) == Array(expected.utf8))
        #expect(Self.utf8(.string("\u{0}\u{1F}\u{20}"), .compact) == Array(#""\u0000\u001f ""#.utf8))
    }

    /// Python's `ensure_ascii` escaping (from the index test of EncodingTests.swift).
    @Test func pythonEscapesLikeEnsureASCII() {
        let key = "a\"q\\u\u{E9}\u{1F600}\n\u{1}\u{7F}"
        #expect(Self.utf8(.string(key), .python()) == Array(#""a\"q\\u\u00e9\ud83d\ude00\n\u0001\u007f""#.utf8))
        #expect(Self.utf8(.string(key), .python(ensureASCII: false)) == Array(("\"a\\\"q\\\\u\u{E9}\u{1F600}\\n\\u0001\u{7F}\"").utf8))
    }

    /// `json.dumps(index, indent=2)` of a `*.safetensors.index.json` (EncodingTests' expected text).
    @Test func pythonIndexLayout() {
        let index: JSONValue = [
            "metadata": ["total_parameters": 99, "total_size": 1234],
            "weight_map": [
                "A": "model-00001-of-00002.safetensors",
                "a\"q\\u\u{E9}\u{1F600}\n\u{1}\u{7F}": "model-00001-of-00002.safetensors",
                "b.weight": "model-00002-of-00002.safetensors",
            ],
        ]
        let expected = "{\n  \"metadata\": {\n    \"total_parameters\": 99,\n    \"total_size\": 1234\n  },\n  \"weight_map\": {\n    \"A\": \"model-00001-of-00002.safetensors\",\n    \"a\\\"q\\\\u\\u00e9\\ud83d\\ude00\\n\\u0001\\u007f\": \"model-00001-of-00002.safetensors\",\n    \"b.weight\": \"model-00002-of-00002.safetensors\"\n  }\n}"
        #expect(Self.utf8(index, .python(indent: 2, sortKeys: false)) == Array(expected.utf8))
        #expect(Self.utf8(index, .python(indent: 2, sortKeys: true)) == Array(expected.utf8))
        let empty: JSONValue = ["metadata": [:], "weight_map": [:]]
        #expect(JSONWriter.string(empty, layout: .python()) == "{\n  \"metadata\": {},\n  \"weight_map\": {}\n}")
    }

    /// `.swiftquant-output.json` exactly as `JSONEncoder` (`.prettyPrinted, .sortedKeys`) wrote it.
    @Test func foundationPrettyMatchesJSONEncoder() {
        let record: JSONValue = [
            "writer": "swiftquant", "command": "quantize", "source": "/work/shared/models/stories260K",
            "created": "2026-12-02T20:40:45Z", "files": ["config.json", "model.safetensors"],
        ]
        let expected = """
        {
          "command" : "quantize",
          "created" : "2026-12-02T20:40:45Z",
          "files" : [
            "config.json",
            "model.safetensors"
          ],
          "source" : "\\/work\\/shared\\/models\\/stories260K",
          "writer" : "swiftquant"
        }
        """
        #expect(Self.utf8(record, .foundation(prettyPrinted: true, sortedKeys: true)) == Array(expected.utf8))
        let empty: JSONValue = ["files": [], "nested": ["o": [:]]]
        #expect(JSONWriter.string(empty, layout: .foundation(prettyPrinted: true, sortedKeys: true))
            == "{\n  \"files\" : [\n\n  ],\n  \"nested\" : {\n    \"o\" : {\n\n    }\n  }\n}")
        #expect(JSONWriter.string([:], layout: .foundation(prettyPrinted: true, sortedKeys: true)) == "{\n\n}")
    }

    /// A `--json` summary exactly as `JSONSerialization.data(withJSONObject:options: [.sortedKeys])` wrote it.
    @Test func foundationCompactMatchesJSONSerialization() {
        let summary: JSONValue = [
            "output": "/tmp/jq/jsonl", "format": "compressed_tensors", "output_bytes": 408094, "seconds": 0.6454921960830688,
            "groups": [["name": "group_0", "quantized": 35, "scheme": "weights int8 channel, inputs int8 tensor"]],
            "quantized": 35, "kept": ["lm_head"], "calibration": ["samples": 5, "tokens": 150],
            "ppl_source": 94.62630273548454, "ppl_quantized": 94.58299795424197,
        ]
        let expected = #"{"calibration":{"samples":5,"tokens":150},"format":"compressed_tensors","groups":[{"name":"group_0","quantized":35,"scheme":"weights int8 channel, inputs int8 tensor"}],"kept":["lm_head"],"output":"\/tmp\/jq\/jsonl","output_bytes":408094,"ppl_quantized":94.58299795424197,"ppl_source":94.62630273548454,"quantized":35,"seconds":0.6454921960830688}"#
        #expect(Self.utf8(summary, .foundation(prettyPrinted: false, sortedKeys: true)) == Array(expected.utf8))
        #expect(JSONWriter.string(["s": 2.0, "t": 1e-05, "u": -0.0], layout: .foundation(prettyPrinted: false, sortedKeys: true))
            == #"{"s":2,"t":1e-05,"u":-0}"#)
    }

    @Test func sortingIsByUTF8BytesAndStable() {
        let object = JSONValue.object(JSONObject([(key: "b", value: 1), (key: "é", value: 2), (key: "B", value: 3),
                                                  (key: "a", value: 4), (key: "b", value: 5), (key: "😀", value: 6), (key: "\u{FFFF}", value: 7)]))
        #expect(JSONWriter.string(object, layout: .python(indent: nil, sortKeys: true, ensureASCII: false))
            == "{\"B\": 3, \"a\": 4, \"b\": 1, \"b\": 5, \"é\": 2, \"\u{FFFF}\": 7, \"😀\": 6}")
    }

    @Test func nonFiniteNumbers() {
        let value: JSONValue = [.double(.nan), .double(.infinity), .double(-.infinity)]
        #expect(JSONWriter.string(value, layout: .python(indent: nil)) == "[NaN, Infinity, -Infinity]")
        #expect(JSONWriter.string(value) == "[null,null,null]")
    }

    /// What `json.dumps(json.loads(S), indent=2, sort_keys=True)` writes for duplicate keys.
    @Test func duplicateKeysAsPythonDicts() throws {
        let value = try JSONParser.parse(Array(#"{"b": {"x": 1, "x": [{"k": 1, "k": 2}]}, "a": 1, "b": 3}"#.utf8))
        #expect(JSONWriter.string(value.deduplicatingKeys(), layout: .python(indent: nil, sortKeys: false)) == #"{"b": 3, "a": 1}"#)
        let nested = try JSONParser.parse(Array(#"{"b": {"x": 1, "x": [{"k": 1, "k": 2}]}, "a": 1}"#.utf8))
        #expect(JSONWriter.string(nested.deduplicatingKeys(), layout: .python(indent: nil, sortKeys: true)) == #"{"a": 1, "b": {"x": [{"k": 2}]}}"#)
    }

    @Test func objectEditing() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = 3
        object["c"] = 4
        #expect(object.keys == ["a", "b", "c"])
        #expect(object["a"] == .int(3))
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(JSONValue.object(object).setting("d", .null).objectValue?.keys == ["a", "c", "d"])
        let sorted = JSONObject(["z": JSONValue.int(1), "é": 2, "a": 3])
        #expect(sorted.keys == ["a", "z", "é"])
    }
}
