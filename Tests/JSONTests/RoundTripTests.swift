import Foundation
import JSON
import TestAssets
import Testing

/// parse → write → parse gives an equal value in every layout; numbers stay exact and member
/// order is kept.
@Suite struct RoundTripTests {
    static let layouts: [JSONLayout] = [
        .compact, .python(indent: 2, sortKeys: false), .python(indent: nil, sortKeys: false, ensureASCII: false),
        .python(indentString: "\t", separators: (item: " ,", key: " :"), sortKeys: false, ensureASCII: true),
    ]

    static func roundTrip(_ value: JSONValue, _ label: String) throws {
        for layout in layouts {
            let bytes = JSONWriter.bytes(value, layout: layout)
            #expect(try JSONParser.parse(bytes) == value, "\(label) \(layout)")
        }
        // The compact layout writes what it read, byte for byte.
        let compact = JSONWriter.bytes(value)
        #expect(JSONWriter.bytes(try JSONParser.parse(compact)) == compact, "\(label)")
    }

    @Test func documents() throws {
        let documents = [
            #"{"b": [1, 2.5, 1e-05, 100000.0, -0.0, 1e16, 12345678901234567890, -9223372036854775808], "a": {"z": null, "y": true, "x": []}}"#,
            #"[0.1, 0.30000000000000004, 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, 18446744073709551615, 123456789012345678901234567890]"#,
            #"{"k": "\u00e9\n\u0001\u007f/\"\\\ud83d\ude00", "é": "naïve", "e\u0301": 2, "k": "again"}"#,
            #"[[], {}, [[]], [{}], {"a": {"b": {"c": [null, false, true]}}}]"#,
            #""just a string""#, "-12", "3.25", "null",
        ]
        for text in documents {
            try Self.roundTrip(try JSONParser.parse(Array(text.utf8)), text)
        }
    }

    @Test func numbersStayExact() throws {
        var rng = SplitMix64(seed: 5)
        var values: [JSONValue] = []
        for _ in 0..<5_000 {
            var d = Double(bitPattern: rng.next())
            if !d.isFinite { d = 1.5 }
            values.append(.double(d))
            values.append(.number(JSONNumber(Int64(bitPattern: rng.next()))))
            values.append(.number(JSONNumber(rng.next())))
        }
        let array = JSONValue.array(values)
        try Self.roundTrip(array, "random numbers")
        let parsed = try JSONParser.parse(JSONWriter.bytes(array))
        #expect(parsed == array)
    }

    @Test func keyOrderIsKept() throws {
        let text = #"{"z": 1, "a": 2, "m": {"y": 1, "b": 2}, "a": 3}"#
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(value.objectValue?.keys == ["z", "a", "m", "a"])
        #expect(JSONWriter.string(value) == #"{"z":1,"a":2,"m":{"y":1,"b":2},"a":3}"#)
        #expect(JSONWriter.string(value, layout: .python(indent: nil, sortKeys: false)) == text)
    }

    /// Real files: tokenizer.json and config.json of the test model and SmolLM2.
    @Test func realModelFiles() throws {
        var checked = 0
        for folder in [TestAssets.testModel, try TestAssets.smolLM2()] {
            for file in ["tokenizer.json", "config.json", "tokenizer_config.json", "special_tokens_map.json"] {
                let url = folder.appendingPathComponent(file)
                guard let data = FileManager.default.contents(atPath: url.path) else { continue }
                let value = try JSONParser.parse(data)
                #expect(try JSONParser.parse(JSONWriter.bytes(value)) == value, "\(folder.lastPathComponent)/\(file)")
                #expect(try JSONParser.parse(JSONWriter.bytes(value, layout: .python(sortKeys: false))) == value, "\(folder.lastPathComponent)/\(file)")
                checked += 1
            }
        }
        #expect(checked == 8, "expected four JSON files in each of the test model and SmolLM2, found \(checked)")
    }
}
