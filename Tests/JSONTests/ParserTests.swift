import JSON
import Testing

/// Strictness of `JSONParser`: what it accepts, and the kind and offset of every refusal. The
/// union of what the Safetensors header parser, the tokenizer.json parser and Foundation's
/// parser (config.json) refused.
@Suite struct ParserTests {
    static func parse(_ text: String, limits: JSONParseLimits = .default) throws(JSONParseError) -> JSONValue {
        try JSONParser.parse(Array(text.utf8), limits: limits)
    }

    static func error(_ bytes: [UInt8], limits: JSONParseLimits = .default) -> JSONParseError? {
        do {
            _ = try JSONParser.parse(bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    static func error(_ text: String, limits: JSONParseLimits = .default) -> JSONParseError? {
        error(Array(text.utf8), limits: limits)
    }

    @Test func scalarsAndContainers() throws {
        #expect(try Self.parse("null") == .null)
        #expect(try Self.parse(" true ") == .bool(true))
        #expect(try Self.parse("\t\r\nfalse\n") == .bool(false))
        #expect(try Self.parse(#""x""#) == .string("x"))
        #expect(try Self.parse("[]") == .array([]))
        #expect(try Self.parse("{}") == .object(JSONObject()))
        #expect(try Self.parse(#"[1, "a", [true, null], {"k": {}}]"#)
            == .array([.int(1), .string("a"), .array([.bool(true), .null]), .object(["k": .object([:])])]))
    }

    @Test("refusals", arguments: [
        ("", JSONParseError.Kind.emptyDocument, 0),
        ("  \n", .emptyDocument, 3),
        ("{", .unterminatedObject, 1),
        ("[", .unexpectedEndOfInput, 1),
        ("[1", .unterminatedArray, 2),
        (#"{"a""#, .unterminatedObject, 4),
        (#"{"a":"#, .unexpectedEndOfInput, 5),
        (#"{"a":1"#, .unterminatedObject, 6),
        ("[1,]", .unexpectedCharacter, 3),
        (#"{"a":1,}"#, .expectedKey, 7),
        ("{a:1}", .expectedKey, 1),
        ("{'a':1}", .expectedKey, 1),
        (#"{"a" 1}"#, .expectedColon, 5),
        (#"{"a":1 "b":2}"#, .expectedCommaOrBrace, 7),
        ("[1 2]", .expectedCommaOrBracket, 3),
        ("[1,,2]", .unexpectedCharacter, 3),
        ("01", .trailingCharacters, 1),
        ("[01]", .expectedCommaOrBracket, 2),
        ("-", .invalidNumber, 1),
        ("-a", .invalidNumber, 1),
        ("+1", .unexpectedCharacter, 0),
        (".5", .unexpectedCharacter, 0),
        ("1.", .invalidNumberFraction, 2),
        ("1.e5", .invalidNumberFraction, 2),
        ("1e", .invalidNumberExponent, 2),
        ("1e+", .invalidNumberExponent, 3),
        ("[1e400]", .numberOutOfRange, 1),
        ("-1e400", .numberOutOfRange, 0),
        ("NaN", .unexpectedCharacter, 0),
        ("Infinity", .unexpectedCharacter, 0),
        ("-Infinity", .invalidNumber, 1),
        ("tru", .invalidLiteral, 0),
        ("nul", .invalidLiteral, 0),
        ("nulL", .invalidLiteral, 0),
        ("truex", .trailingCharacters, 4),
        ("{}x", .trailingCharacters, 2),
        ("[1] [2]", .trailingCharacters, 4),
        (#"{"a":1}"# + "\u{0}", .trailingCharacters, 7),
        ("/* c */ 1", .unexpectedCharacter, 0),
        ("\"abc", .unterminatedString, 4),
        ("\"a\\", .unterminatedString, 3),
        ("\"a\u{1}\"", .controlCharacterInString, 2),
        ("\"a\nb\"", .controlCharacterInString, 2),
        (#""\x""#, .invalidEscape, 2),
        (#""\'""#, .invalidEscape, 2),
        (#""\u12""#, .invalidUnicodeEscape, 3),
        (#""\u12g4""#, .invalidUnicodeEscape, 5),
        (#""\ud800""#, .loneLeadingSurrogate, 7),
        (#""\ud800x""#, .loneLeadingSurrogate, 7),
        (#""\ud800\u0041""#, .invalidTrailingSurrogate, 13),
        (#""\udc00""#, .loneTrailingSurrogate, 7),
        (#"{"\ud800":1}"#, .loneLeadingSurrogate, 8),
    ] as [(String, JSONParseError.Kind, Int)])
    func refusals(text: String, kind: JSONParseError.Kind, offset: Int) {
        let error = Self.error(text)
        #expect(error?.kind == kind, "\(text.debugDescription): \(error?.description ?? "accepted")")
        #expect(error?.offset == offset, "\(text.debugDescription): \(error?.description ?? "accepted")")
        if let error {
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("invalid UTF-8 inside and outside strings", arguments: [
        ([0x22, 0xFF, 0x22], JSONParseError.Kind.invalidUTF8, 1),
        ([0x22, 0x61, 0xC0, 0xAF, 0x22], .invalidUTF8, 2),  // overlong '/'
        ([0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8, 1),  // encoded surrogate
        ([0x22, 0xE2, 0x82, 0x22], .invalidUTF8, 1),  // truncated sequence
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8, 1),  // above U+10FFFF
        ([0x22, 0x5C, 0x6E, 0x80, 0x22], .invalidUTF8, 3),  // after an escape
        ([0xEF, 0xBB, 0xBF, 0x7B, 0x7D], .unexpectedCharacter, 0),  // byte-order mark
        ([0x5B, 0xC3, 0xA9, 0x5D], .unexpectedCharacter, 1),  // non-ASCII outside a string
    ] as [([UInt8], JSONParseError.Kind, Int)])
    func invalidUTF8(bytes: [UInt8], kind: JSONParseError.Kind, offset: Int) {
        let error = Self.error(bytes)
        #expect(error?.kind == kind, "\(bytes): \(error?.description ?? "accepted")")
        #expect(error?.offset == offset, "\(bytes): \(error?.description ?? "accepted")")
    }

    @Test func stringsDecodeEscapesAndKeepBytes() throws {
        #expect(try Self.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try Self.parse(#""\u00e9\u4E2D\ud83d\ude00\u0000""#) == .string("é中😀\u{0}"))
        #expect(try Self.parse("\"naïve 中文 😀 \u{7F}\"") == .string("naïve 中文 😀 \u{7F}"))
        // Canonically equivalent but different bytes stay different.
        let composed = try Self.parse(#"{"é": 1, "e\u0301": 2}"#)
        #expect(composed["é"] == .int(1))
        #expect(composed["e\u{301}"] == .int(2))
        #expect(JSONValue.string("é") != .string("e\u{301}"))
    }

    @Test func errorTextsStayOnOneLineWithTheirPosition() throws {
        let text = "{\n  \"model\": [1,,2]\n}"
        let error = try #require(Self.error(text))
        #expect(error.kind == .unexpectedCharacter)
        #expect(error.reason == "unexpected character")
        #expect(error.detail == "unexpected character ','")
        #expect(error.description == "unexpected character ',' at byte 16")
        let location = error.location(in: Array(text.utf8))
        #expect(location.line == 2 && location.column == 15)
        #expect(Self.error("hello")?.description == "unexpected character 'h' at byte 0")
        #expect(Self.error("[\u{1}]")?.description == "unexpected character 0x1 at byte 1")
        #expect(Self.error("\"a\u{1}\"")?.detail == "raw control character 0x1 in string")
        #expect(Self.error(#""\q""#)?.detail == #"invalid escape \'q'"#)
        // Columns count scalars, not bytes.
        let unicode = "{\"é中\": x}"
        let at = try #require(Self.error(unicode)).location(in: Array(unicode.utf8))
        #expect(at.line == 1 && at.column == 8)
    }

    @Test func depthIsBoundedWithoutRecursion() throws {
        #expect(try Self.parse(String(repeating: "[", count: 512) + String(repeating: "]", count: 512)) != .null)
        let deep = Self.error(String(repeating: "[", count: 513) + String(repeating: "]", count: 513))
        #expect(deep?.kind == .tooDeep)
        #expect(deep?.offset == 512)
        #expect(deep?.description == "nesting deeper than 512 levels at byte 512")
        let hostile = Self.error(String(repeating: "[", count: 1_000_000))
        #expect(hostile?.kind == .tooDeep)
        let serde = JSONParseLimits(maxDepth: 128)
        #expect(Self.error(String(repeating: "{\"a\":", count: 129) + "1" + String(repeating: "}", count: 129), limits: serde)?.kind == .tooDeep)
        #expect(Self.error(String(repeating: "{\"a\":", count: 128) + "1" + String(repeating: "}", count: 128), limits: serde) == nil)
        // A raised limit parses deep documents with the parser's own stack.
        let depth = 5_000
        let value = try Self.parse(String(repeating: "[", count: depth) + String(repeating: "]", count: depth),
                                   limits: JSONParseLimits(maxDepth: depth))
        var level = 0
        var current = value
        while case .array(let items) = current, let first = items.first {
            level += 1
            current = first
        }
        #expect(level == depth - 1)
        #expect(JSONWriter.bytes(value).count == 2 * depth)
    }

    @Test func sizeIsBounded() {
        let limits = JSONParseLimits(maxBytes: 10)
        #expect(Self.error("[1,2,3,4,5]", limits: limits)?.kind == .tooLarge)
        #expect(Self.error("[1,2,3,4]", limits: limits) == nil)
        #expect(Self.error("[1,2,3,4,5]", limits: limits)?.description == "document larger than 10 bytes at byte 10")
    }

    @Test func duplicateKeysAreKeptInOrder() throws {
        let value = try Self.parse(#"{"b": 1, "a": 2, "b": 3}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["b", "a", "b"])
        #expect(object["b"] == .int(3))
        #expect(value.member("a") == .int(2))
        #expect(JSONWriter.string(value) == #"{"b":1,"a":2,"b":3}"#)
        #expect(object.deduplicated().keys == ["b", "a"])
        #expect(object.deduplicated()["b"] == .int(3))
    }

    @Test func parsesFromAnyByteCollection() throws {
        let bytes = Array(#"[1, {"a": "b"}]"#.utf8)
        #expect(try JSONParser.parse(bytes[...]) == JSONParser.parse(bytes))
        #expect(try bytes.withUnsafeBytes { raw throws(JSONParseError) in try JSONParser.parse(raw) } == JSONParser.parse(bytes))
        #expect(try JSONParser.parse(AnySequenceOfBytes(bytes: bytes)) == JSONParser.parse(bytes))
    }
}

/// A collection without contiguous storage, to exercise the copying path.
struct AnySequenceOfBytes: Collection {
    let bytes: [UInt8]
    var startIndex: Int { 0 }
    var endIndex: Int { bytes.count }
    func index(after i: Int) -> Int { i + 1 }
    subscript(position: Int) -> UInt8 { bytes[position] }
}
