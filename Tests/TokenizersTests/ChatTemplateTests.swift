import Foundation
import TestAssets
import Testing
import Tokenizers

/// Chat templates rendered by `ChatTemplate` against transformers' own renderings
/// (Tests/Fixtures/chat_templates/, made by scripts/make_chat_template_fixture.py).
@Suite("ChatTemplate")
struct ChatTemplateTests {
    // MARK: Fixture

    /// A JSON value of the fixture (`variables` of a case).
    enum JSONAny: Decodable, Sendable {
        case null, bool(Bool), int(Int), double(Double), string(String), array([JSONAny]), object([String: JSONAny])

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let i = try? c.decode(Int.self) { self = .int(i) }
            else if let d = try? c.decode(Double.self) { self = .double(d) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let a = try? c.decode([JSONAny].self) { self = .array(a) }
            else { self = .object(try c.decode([String: JSONAny].self)) }
        }

        var templateValue: ChatTemplateValue {
            switch self {
            case .null: return .null
            case .bool(let b): return .bool(b)
            case .int(let i): return .int(i)
            case .double(let d): return .double(d)
            case .string(let s): return .string(s)
            case .array(let a): return .array(a.map(\.templateValue))
            case .object(let o): return .object(o.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value.templateValue) })
            }
        }
    }

    struct Message: Decodable, Sendable {
        let role: String
        let content: String
    }

    struct PythonError: Decodable, Sendable {
        let type: String
        let message: String
        let raised: Bool
    }

    struct Case: Decodable, Sendable {
        let messages: String
        let addGenerationPrompt: Bool
        let variables: [String: JSONAny]?
        let expected: String?
        let error: PythonError?
    }

    struct TemplateCases: Decodable, Sendable {
        let file: String
        let cases: [Case]
    }

    struct Synthetic: Decodable, Sendable {
        let name: String
        let template: String
        let specialTokens: [String: String]
        let cases: [Case]
    }

    struct SyntheticError: Decodable, Sendable {
        let name: String
        let template: String
        let messages: String
        let error: PythonError
    }

    struct Loader: Decodable, Sendable {
        let directory: String
        let specialTokens: [String: String]
        let cases: [Case]
    }

    struct Fixture: Decodable, Sendable {
        let versions: [String: String]
        let now: String
        let messageSets: [String: [Message]]
        let templates: [TemplateCases]
        let synthetic: [Synthetic]
        let syntheticErrors: [SyntheticError]
        let loader: [Loader]
    }

    struct Source: Decodable, Sendable {
        let name: String
        let file: String
        let specialTokens: [String: String]
    }

    struct Sources: Decodable, Sendable {
        let templates: [Source]
    }

    struct FixtureError: Error, CustomStringConvertible, Sendable {
        let description: String
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/chat_templates", isDirectory: true)

    static func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(T.self, from: Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static let loaded: Result<(Fixture, Sources), FixtureError> = {
        do {
            return .success((try decode(Fixture.self, "renderings.json"), try decode(Sources.self, "sources.json")))
        } catch {
            return .failure(FixtureError(description: "cannot read \(directory.path)/renderings.json or sources.json: \(error)"))
        }
    }()

    static func fixture() throws -> Fixture { try loaded.get().0 }
    static func sources() throws -> Sources { try loaded.get().1 }

    /// The template file names of sources.json (the test arguments).
    static let templateFiles: [String] = (try? sources().templates.map(\.file)) ?? []

    /// The local time transformers' pinned `datetime.now()` returned, as a `Date`.
    static func now(_ fixture: Fixture) throws -> Date {
        let f = fixture.now
        let parts = f.split(whereSeparator: { "-T:.".contains($0) }).compactMap { Int($0) }
        guard parts.count == 7 else { throw FixtureError(description: "unexpected 'now' \(f)") }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let components = DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: parts[3],
                                        minute: parts[4], second: parts[5], nanosecond: parts[6] * 1000)
        guard let date = calendar.date(from: components) else { throw FixtureError(description: "invalid 'now' \(f)") }
        return date
    }

    static func messages(_ fixture: Fixture, _ name: String) throws -> [ChatMessage] {
        guard let set = fixture.messageSets[name] else { throw FixtureError(description: "no message set \(name)") }
        return set.map { ChatMessage(role: $0.role, content: $0.content) }
    }

    /// Where two strings first differ (in Unicode scalars), with some context, for failures.
    static func difference(_ a: String, _ b: String) -> String {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        var i = 0
        while i < x.count && i < y.count && x[i] == y[i] { i += 1 }
        func around(_ s: [Unicode.Scalar]) -> String {
            var v = String.UnicodeScalarView()
            v.append(contentsOf: s[max(0, i - 30)..<min(s.count, i + 30)])
            return String(v).debugDescription
        }
        return "first difference at scalar \(i) (lengths \(x.count) vs \(y.count)): got \(around(x)), expected \(around(y))"
    }

    /// Renders one case and compares it with transformers' result; returns whether it matched.
    @discardableResult
    static func check(_ template: ChatTemplate, _ c: Case, _ fixture: Fixture, label: String,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        let messages = try messages(fixture, c.messages)
        let variables = (c.variables ?? [:]).mapValues(\.templateValue)
        let what = "\(label) [\(c.messages), add_generation_prompt=\(c.addGenerationPrompt)\(variables.isEmpty ? "" : ", \(variables.keys.sorted())")]"
        do {
            let out = try template.render(messages: messages, addGenerationPrompt: c.addGenerationPrompt,
                                          variables: variables, now: try now(fixture))
            guard let expected = c.expected else {
                Issue.record("\(what): transformers failed (\(c.error?.type ?? "?"): \(c.error?.message ?? "")) but the Swift render succeeded", sourceLocation: sourceLocation)
                return false
            }
            // Byte comparison: Swift's String == would accept canonically equivalent text.
            let same = Array(out.utf8) == Array(expected.utf8)
            #expect(same, "\(what): \(difference(out, expected))", sourceLocation: sourceLocation)
            return same
        } catch let error as ChatTemplateError {
            guard let expectedError = c.error else {
                Issue.record("\(what): transformers rendered it but Swift failed: \(error)", sourceLocation: sourceLocation)
                return false
            }
            #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
            if expectedError.raised {
                #expect(error.kind == .raised && error.message == expectedError.message,
                        "\(what): expected raise_exception(\(expectedError.message.debugDescription)), got \(error)", sourceLocation: sourceLocation)
                return error.kind == .raised && error.message == expectedError.message
            }
            #expect(error.kind != .raised, "\(what): \(error)", sourceLocation: sourceLocation)
            return error.kind != .raised
        }
    }

    // MARK: Real templates

    @Test("fixture holds the real templates")
    func fixtureComplete() throws {
        let fixture = try Self.fixture()
        let sources = try Self.sources()
        #expect(sources.templates.count >= 25)
        #expect(Set(fixture.templates.map(\.file)) == Set(sources.templates.map(\.file)))
        #expect(fixture.templates.allSatisfy { $0.cases.count >= 16 })
        #expect(fixture.versions["transformers"] == "5.17.0")
    }

    @Test("real templates render byte-identical to transformers", arguments: templateFiles)
    func realTemplate(_ file: String) throws {
        let fixture = try Self.fixture()
        guard let source = try Self.sources().templates.first(where: { $0.file == file }),
              let cases = fixture.templates.first(where: { $0.file == file })?.cases else {
            Issue.record("\(file) is missing from the fixture")
            return
        }
        let text = String(decoding: try Data(contentsOf: Self.directory.appendingPathComponent("templates/\(file)")), as: UTF8.self)
        let template = try ChatTemplate(source: text, specialTokens: source.specialTokens)
        var matched = 0
        for c in cases {
            if try Self.check(template, c, fixture, label: source.name) { matched += 1 }
        }
        #expect(matched == cases.count, "\(source.name): \(matched)/\(cases.count) renderings as transformers")
    }

    // MARK: Jinja corners

    @Test("synthetic templates render as Jinja does")
    func synthetic() throws {
        let fixture = try Self.fixture()
        #expect(fixture.synthetic.count >= 20)
        for s in fixture.synthetic {
            let template = try ChatTemplate(source: s.template, specialTokens: s.specialTokens)
            for c in s.cases { try Self.check(template, c, fixture, label: s.name) }
        }
    }

    @Test("templates transformers rejects fail in Swift too, with one-line errors")
    func syntheticErrors() throws {
        let fixture = try Self.fixture()
        #expect(fixture.syntheticErrors.count >= 10)
        for e in fixture.syntheticErrors {
            do {
                let template = try ChatTemplate(source: e.template)
                let out = try template.render(messages: try Self.messages(fixture, e.messages), addGenerationPrompt: false)
                Issue.record("\(e.name): expected a failure like transformers' \(e.error.type): \(e.error.message), got \(out.debugDescription)")
            } catch let error as ChatTemplateError {
                #expect(!error.description.contains("\n"), "\(e.name)")
                #expect(error.position != nil, "\(e.name): \(error) names no position")
                if e.error.raised {
                    #expect(error.kind == .raised && error.message == e.error.message, "\(e.name): \(error)")
                } else {
                    #expect(error.kind != .raised, "\(e.name): \(error)")
                }
            }
        }
    }

    static func failure(_ source: String, messages: [ChatMessage] = [ChatMessage(role: "user", content: "hi")]) -> ChatTemplateError? {
        do {
            _ = try ChatTemplate(source: source).render(messages: messages, addGenerationPrompt: false)
            return nil
        } catch let error as ChatTemplateError {
            return error
        } catch {
            return ChatTemplateError(.render, "unexpected error type \(type(of: error))")
        }
    }

    @Test("error messages name the problem and its line and column")
    func errorMessages() {
        let unterminated = Self.failure("Hello\n  {{ messages[0].content ")
        #expect(unterminated?.kind == .syntax)
        #expect(unterminated?.description == "chat template line 2, column 3: unterminated '{{' tag: missing '}}'")

        let unterminatedBlock = Self.failure("{% for m in messages %}\n{{ m.content }}")
        #expect(unterminatedBlock?.description == "chat template line 1, column 4: unexpected end of template: expected 'else' or 'endfor' to close the 'for' tag")

        let unknownFilter = Self.failure("{{ messages|frobnicate }}")
        #expect(unknownFilter?.kind == .syntax)
        #expect(unknownFilter?.description == "chat template line 1, column 13: no filter named 'frobnicate'")

        // Inside an if, Jinja only fails when the filter runs.
        let lateFilter = Self.failure("{% if messages %}\n  {{ messages|frobnicate }}{% endif %}")
        #expect(lateFilter?.kind == .render)
        #expect(lateFilter?.description == "chat template line 2, column 15: no filter named 'frobnicate'")

        let raised = Self.failure("{% if messages[0].role != 'system' %}{{ raise_exception('System message required') }}{% endif %}")
        #expect(raised?.kind == .raised)
        #expect(raised?.message == "System message required")
        #expect(raised?.description == "chat template raised an exception at line 1, column 41: System message required")

        let undefined = Self.failure("{{ tool.name }}")
        #expect(undefined?.description == "chat template line 1, column 4: 'tool' is undefined")

        let typeError = Self.failure("\n\n{{ messages[0].content + 1 }}")
        #expect(typeError?.description == "chat template line 3, column 24: TypeError: can only concatenate str (not \"int\") to str")

        let multiLine = Self.failure("{{ raise_exception('two\nlines') }}")
        #expect(multiLine?.message == "two lines")
    }

    // MARK: Public API

    @Test("context and variables override the special tokens")
    func variables() throws {
        let template = try ChatTemplate(source: "{{ bos_token }}|{{ eos_token }}|{{ flag }}|{{ n + 1 }}|{{ tools }}|{{ documents is none }}|{{ add_generation_prompt }}",
                                        specialTokens: ["bos_token": "<s>", "eos_token": "</s>"])
        // `n + 1` with n undefined fails, as in Jinja.
        #expect(throws: ChatTemplateError.self) { try template.render(messages: [], addGenerationPrompt: true) }
        let out = try template.render(messages: [], addGenerationPrompt: true, context: ["eos_token": "<|end|>"],
                                      variables: ["flag": false, "n": 41, "bos_token": "[BOS]"])
        #expect(out == "[BOS]|<|end|>|False|42|None|True|True")
    }

    @Test("renders concurrently from one parsed template")
    func concurrentRenders() async throws {
        let template = try ChatTemplate(source: "{% for m in messages %}<{{ m.role }}>{{ m.content|trim }}{% endfor %}")
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<16 {
                group.addTask {
                    try template.render(messages: [ChatMessage(role: "user", content: " \(i) ")], addGenerationPrompt: false)
                }
            }
            var all: [String] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(Set(results) == Set((0..<16).map { "<user>\($0)" }))
    }

    // MARK: Loading from a model directory

    static func modelDirectory(_ label: String) throws -> URL {
        // renderings.json names SmolLM2 by its old place in the shared assets; it now comes from
        // wherever TestAssets finds it (SWIFTQUANT_SMOLLM2, shared assets, or the get-smollm2.sh cache).
        if label == "shared:models/smollm2-135m" {
            return try TestAssets.smolLM2()
        }
        if label.hasPrefix("shared:") {
            let path = String(label.dropFirst("shared:".count))
            guard let url = TestAssets.shared(path) else {
                throw AssetError(description: "\(path) is not in the shared assets (\(TestAssets.sharedRoot.path))")
            }
            return url
        }
        return directory.appendingPathComponent(label, isDirectory: true)
    }

    @Test("load(modelDirectory:) finds the template and special tokens as AutoTokenizer does")
    func loader() throws {
        let fixture = try Self.fixture()
        #expect(fixture.loader.count >= 4)
        for entry in fixture.loader {
            let template = try ChatTemplate.load(modelDirectory: try Self.modelDirectory(entry.directory))
            if entry.cases.allSatisfy({ $0.error != nil }) {
                #expect(template == nil, "\(entry.directory): transformers finds no template")
                continue
            }
            guard let template else {
                Issue.record("\(entry.directory): no template found")
                continue
            }
            #expect(template.specialTokens == entry.specialTokens, "\(entry.directory)")
            for c in entry.cases { try Self.check(template, c, fixture, label: entry.directory) }
        }
    }

    /// A temporary model directory with the given files.
    static func temporaryModel(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("chat-template-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
        return dir
    }

    static func loadError(_ files: [String: String]) throws -> ChatTemplateError? {
        let dir = try temporaryModel(files)
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try ChatTemplate.load(modelDirectory: dir)
            return nil
        } catch let error as ChatTemplateError {
            return error
        }
    }

    @Test("load(modelDirectory:) reports malformed files in one line")
    func loaderErrors() throws {
        let noDefault = try Self.loadError(["tokenizer_config.json": #"{"chat_template": [{"name": "tool_use", "template": "x"}, {"name": "rag", "template": "y"}]}"#])
        #expect(noDefault?.kind == .load)
        #expect(noDefault?.description == "tokenizer_config.json: chat_template has several templates but none named 'default' (available: 'rag', 'tool_use')")

        let badJSON = try Self.loadError(["tokenizer_config.json": "{\"chat_template\": \"x\",\n  oops}"])
        #expect(badJSON?.kind == .load)
        #expect(badJSON?.description.hasPrefix("tokenizer_config.json: invalid JSON at line 2, column 3") == true)
        #expect(badJSON?.description.contains("\n") == false)

        let badToken = try Self.loadError(["tokenizer_config.json": #"{"chat_template": "x", "bos_token": 5}"#])
        #expect(badToken?.description == "tokenizer_config.json: 'bos_token' must be a string or an object with a string 'content', found a number")

        let badSyntax = try Self.loadError(["chat_template.jinja": "{% if %}"])
        #expect(badSyntax?.kind == .syntax)

        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-model-\(UUID().uuidString)")
        #expect(throws: ChatTemplateError.self) { try ChatTemplate.load(modelDirectory: missing) }

        let empty = try Self.temporaryModel([:])
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(try ChatTemplate.load(modelDirectory: empty) == nil)
    }
}
