import JSON
import Testing
@testable import Tokenizers

/// The chat templates' `tojson` (Python's `json.dumps`) now goes through JSONWriter's Python
/// layout. Expected strings printed by CPython 3 (`json.dumps(value, **kwargs)`).
@Suite struct TojsonTests {
    static var value: JinjaValue { .dict(JinjaDict([
        ("b", .int(1)),
        ("a", .list([.double(1.5), .none, .bool(true), .string("é\n\u{7F}😀")])),
        ("c", .dict(JinjaDict())),
    ])) }

    static func dumps(_ value: JinjaValue, ensureASCII: Bool = false, indent: JinjaValue? = nil,
                      separators: JinjaValue? = nil, sortKeys: Bool = false) throws -> [UInt8] {
        Array(try JinjaJSON.dumps(value, ensureASCII: ensureASCII, indent: indent, separators: separators, sortKeys: sortKeys).utf8)
    }

    @Test func layouts() throws {
        // ensure_ascii=False (transformers' default)
        #expect(try Self.dumps(Self.value) == Array("{\"b\": 1, \"a\": [1.5, null, true, \"é\\n\u{7F}😀\"], \"c\": {}}".utf8))
        // ensure_ascii=True
        #expect(try Self.dumps(Self.value, ensureASCII: true)
            == Array(#"{"b": 1, "a": [1.5, null, true, "\u00e9\n\u007f\ud83d\ude00"], "c": {}}"#.utf8))
        // indent=2, sort_keys=True
        #expect(try Self.dumps(Self.value, indent: .int(2), sortKeys: true)
            == Array("{\n  \"a\": [\n    1.5,\n    null,\n    true,\n    \"é\\n\u{7F}😀\"\n  ],\n  \"b\": 1,\n  \"c\": {}\n}".utf8))
        // indent="--", separators=(";", "=")
        let listed = JinjaValue.dict(JinjaDict([("b", .int(1)), ("a", .list([.double(1.5), .none, .bool(true), .string("é")])), ("c", .list([]))]))
        #expect(try Self.dumps(listed, indent: .string("--"), separators: .tuple([.string(";"), .string("=")]))
            == Array("{\n--\"b\"=1;\n--\"a\"=[\n----1.5;\n----null;\n----true;\n----\"é\"\n--];\n--\"c\"=[]\n}".utf8))
        // {2.5: ..., None: ..., "s": nan, "i": inf}
        var keys = JinjaDict()
        keys[.double(2.5)] = .string("float key")
        keys[.none] = .string("none key")
        keys[.string("s")] = .double(.nan)
        keys[.string("i")] = .double(.infinity)
        #expect(try Self.dumps(.dict(keys)) == Array(#"{"2.5": "float key", "null": "none key", "s": NaN, "i": Infinity}"#.utf8))
    }

    @Test func errorsAreUnchanged() {
        #expect(throws: JinjaRuntimeError.self) { try Self.dumps(.list([.function(JinjaFunction(name: "f") { _ in .none })])) }
        var deep = JinjaValue.list([])
        for _ in 0..<600 { deep = .list([deep]) }
        #expect(throws: JinjaRuntimeError.self) { try Self.dumps(deep) }
    }

    /// `JSONFloatFormat.python` (what `tojson` writes) and `PythonText.floatRepr` (what `str()`
    /// and `repr()` write in templates) are the same function on finite doubles.
    @Test func floatReprAgrees() {
        var state: UInt64 = 0x1234_5678
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
        var values: [Double] = [0, -0.0, 1, 0.1, 1e16, 1e15, 9_999_999_999_999_998, 1e-4, 1e-5, 0.00011, 5e-324,
                                .greatestFiniteMagnitude, .leastNormalMagnitude, 123456789012345678, 1e22, 1e21]
        for _ in 0..<200_000 {
            let d = Double(bitPattern: next())
            if d.isFinite { values.append(d) }
            values.append(Double(Int64(bitPattern: next()) >> Int64(next() % 64)))
            values.append(Double(next() % 1_000_000) / 1000)
        }
        for d in values {
            #expect(JSONFloatFormat.python.text(d) == PythonText.floatRepr(d), "\(d.bitPattern)")
        }
    }
}
