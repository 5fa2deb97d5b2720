import JSON
import Testing

/// Python `json.dumps` layouts, byte for byte. Every expected string was printed by CPython 3
/// (`json.dumps(json.loads(PythonLayoutTests.source), **kwargs)`, kwargs in each test's comment).
@Suite struct PythonLayoutTests {
    static let source = "{\"b\": [1, 2.5, 1e-05, 100000.0, -0.0, 1e16, 12345678901234567890], \"a\": {\"z\": null, \"y\": true, \"x\": []}, \"c\": \"\u{E9}\\n\\u0001\u{7F}/\\\"\\\\\u{1F600}\", \"d\": [], \"e\": {}, \"B\": false, \"\u{E9}\": 0.1, \"a b\": [[{}]]}"

    /// The bytes written for the parsed source.
    static func written(_ layout: JSONLayout) throws -> [UInt8] {
        JSONWriter.bytes(try JSONParser.parse(Array(source.utf8)), layout: layout)
    }

    /// `indent=2, sort_keys=True`
    @Test func indent2SortKeys() throws {
        #expect(try Self.written(JSONLayout.python(indent: 2, sortKeys: true, ensureASCII: true)) == Array("{\n  \"B\": false,\n  \"a\": {\n    \"x\": [],\n    \"y\": true,\n    \"z\": null\n  },\n  \"a b\": [\n    [\n      {}\n    ]\n  ],\n  \"b\": [\n    1,\n    2.5,\n    1e-05,\n    100000.0,\n    -0.0,\n    1e+16,\n    12345678901234567890\n  ],\n  \"c\": \"\\u00e9\\n\\u0001\\u007f/\\\"\\\\\\ud83d\\ude00\",\n  \"d\": [],\n  \"e\": {},\n  \"\\u00e9\": 0.1\n}".utf8))
    }

    /// `indent=2, sort_keys=False`
    @Test func indent2InOrder() throws {
        #expect(try Self.written(JSONLayout.python(indent: 2, sortKeys: false, ensureASCII: true)) == Array("{\n  \"b\": [\n    1,\n    2.5,\n    1e-05,\n    100000.0,\n    -0.0,\n    1e+16,\n    12345678901234567890\n  ],\n  \"a\": {\n    \"z\": null,\n    \"y\": true,\n    \"x\": []\n  },\n  \"c\": \"\\u00e9\\n\\u0001\\u007f/\\\"\\\\\\ud83d\\ude00\",\n  \"d\": [],\n  \"e\": {},\n  \"B\": false,\n  \"\\u00e9\": 0.1,\n  \"a b\": [\n    [\n      {}\n    ]\n  ]\n}".utf8))
    }

    /// `indent=2, sort_keys=True, ensure_ascii=False`
    @Test func indent2SortKeysUnicode() throws {
        #expect(try Self.written(JSONLayout.python(indent: 2, sortKeys: true, ensureASCII: false)) == Array("{\n  \"B\": false,\n  \"a\": {\n    \"x\": [],\n    \"y\": true,\n    \"z\": null\n  },\n  \"a b\": [\n    [\n      {}\n    ]\n  ],\n  \"b\": [\n    1,\n    2.5,\n    1e-05,\n    100000.0,\n    -0.0,\n    1e+16,\n    12345678901234567890\n  ],\n  \"c\": \"\u{E9}\\n\\u0001\u{7F}/\\\"\\\\\u{1F600}\",\n  \"d\": [],\n  \"e\": {},\n  \"\u{E9}\": 0.1\n}".utf8))
    }

    /// defaults
    @Test func oneLine() throws {
        #expect(try Self.written(JSONLayout.python(indent: nil, sortKeys: false, ensureASCII: true)) == Array("{\"b\": [1, 2.5, 1e-05, 100000.0, -0.0, 1e+16, 12345678901234567890], \"a\": {\"z\": null, \"y\": true, \"x\": []}, \"c\": \"\\u00e9\\n\\u0001\\u007f/\\\"\\\\\\ud83d\\ude00\", \"d\": [], \"e\": {}, \"B\": false, \"\\u00e9\": 0.1, \"a b\": [[{}]]}".utf8))
    }

    /// `sort_keys=True, ensure_ascii=False`
    @Test func oneLineSortedUnicode() throws {
        #expect(try Self.written(JSONLayout.python(indent: nil, sortKeys: true, ensureASCII: false)) == Array("{\"B\": false, \"a\": {\"x\": [], \"y\": true, \"z\": null}, \"a b\": [[{}]], \"b\": [1, 2.5, 1e-05, 100000.0, -0.0, 1e+16, 12345678901234567890], \"c\": \"\u{E9}\\n\\u0001\u{7F}/\\\"\\\\\u{1F600}\", \"d\": [], \"e\": {}, \"\u{E9}\": 0.1}".utf8))
    }

    /// `indent=0`
    @Test func indent0() throws {
        #expect(try Self.written(JSONLayout.python(indent: 0, sortKeys: false, ensureASCII: true)) == Array("{\n\"b\": [\n1,\n2.5,\n1e-05,\n100000.0,\n-0.0,\n1e+16,\n12345678901234567890\n],\n\"a\": {\n\"z\": null,\n\"y\": true,\n\"x\": []\n},\n\"c\": \"\\u00e9\\n\\u0001\\u007f/\\\"\\\\\\ud83d\\ude00\",\n\"d\": [],\n\"e\": {},\n\"B\": false,\n\"\\u00e9\": 0.1,\n\"a b\": [\n[\n{}\n]\n]\n}".utf8))
    }

    /// `indent='\t', separators=(',', ':')`
    @Test func tabIndentCompactSeparators() throws {
        #expect(try Self.written(JSONLayout.python(indentString: "\t", separators: (item: ",", key: ":"), sortKeys: false, ensureASCII: true)) == Array("{\n\t\"b\":[\n\t\t1,\n\t\t2.5,\n\t\t1e-05,\n\t\t100000.0,\n\t\t-0.0,\n\t\t1e+16,\n\t\t12345678901234567890\n\t],\n\t\"a\":{\n\t\t\"z\":null,\n\t\t\"y\":true,\n\t\t\"x\":[]\n\t},\n\t\"c\":\"\\u00e9\\n\\u0001\\u007f/\\\"\\\\\\ud83d\\ude00\",\n\t\"d\":[],\n\t\"e\":{},\n\t\"B\":false,\n\t\"\\u00e9\":0.1,\n\t\"a b\":[\n\t\t[\n\t\t\t{}\n\t\t]\n\t]\n}".utf8))
    }

    /// `separators=(',', ':'), ensure_ascii=False`
    @Test func compactSeparatorsUnicode() throws {
        #expect(try Self.written(JSONLayout.python(indentString: nil, separators: (item: ",", key: ":"), sortKeys: false, ensureASCII: false)) == Array("{\"b\":[1,2.5,1e-05,100000.0,-0.0,1e+16,12345678901234567890],\"a\":{\"z\":null,\"y\":true,\"x\":[]},\"c\":\"\u{E9}\\n\\u0001\u{7F}/\\\"\\\\\u{1F600}\",\"d\":[],\"e\":{},\"B\":false,\"\u{E9}\":0.1,\"a b\":[[{}]]}".utf8))
    }
}
