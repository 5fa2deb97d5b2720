import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Models
import Pipeline
import TestAssets
import Testing
import Tokenizers

/// Calibration data as users give it: records are samples, plain text is cut from its start,
/// C(n, L) stays available by name, and every shortfall is a one-line error.
@Suite("calibration data")
struct CalibrationSetTests {
    static func tokenizer() throws -> Tokenizer {
        try ModelDirectory(url: TestAssets.testModel).tokenizer()
    }

    static func file(_ name: String, _ contents: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("calib-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(contents.utf8).write(to: url)
        return url
    }

    static func error(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func jsonlRecordsAreOneSampleEachInFileOrder() throws {
        let tok = try Self.tokenizer()
        let texts = ["Once upon a time there was a cat.", "The dog ran to the park and played all day long with a ball.",
                     "Lily saw a bird.", "Tom liked to eat apples."]
        let lines = [#"{"text": "\#(texts[0])", "id": 1}"#, #"{"prompt": "\#(texts[1])"}"#,
                     #"{"inputs_pretokenized": "\#(texts[2])"}"#, #""\#(texts[3])""#]
        let url = try Self.file("data.jsonl", lines.joined(separator: "\n") + "\n\n")
        var notes: [String] = []
        let set = try CalibrationSet.load(file: url, tokenizer: tok, count: 4, length: 12, start: nil, notes: { notes.append($0) })
        #expect(set.count == 4)
        for (sample, text) in zip(set.samples, texts) {
            let ids = tok.encode(text, addSpecialTokens: true)
            #expect(sample == Array(ids.prefix(12)), "\(text)")
        }
        #expect(set.samples[1].count == 12, "a long record is truncated to --seqlen")
        #expect(set.samples[2].count < 12, "a short record stays short (no padding)")
        #expect(notes.count == 1 && notes[0].contains("'id'"), "unused record fields are named: \(notes)")
        // The first N records when there are more.
        let two = try CalibrationSet.load(file: url, tokenizer: tok, count: 2, length: 64, start: nil)
        #expect(two.samples == [tok.encode(texts[0], addSpecialTokens: true), tok.encode(texts[1], addSpecialTokens: true)])
    }

    @Test func jsonListOfRecords() throws {
        let tok = try Self.tokenizer()
        let url = try Self.file("data.json", #"[{"text": "One day a girl went out."}, {"text": "She found a red ball."}]"#)
        let set = try CalibrationSet.load(file: url, tokenizer: tok, count: 2, length: 64, start: nil)
        #expect(set.samples == ["One day a girl went out.", "She found a red ball."].map { tok.encode($0, addSpecialTokens: true) })
    }

    @Test func messagesAreRenderedWithTheTemplateAndNoExtraSpecialTokens() throws {
        let tok = try Self.tokenizer()
        let url = try Self.file("chat.jsonl", #"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello there"}]}"#)
        let template = try ChatTemplate(source: "{% for m in messages %}<{{ m.role }}>{{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}")
        let set = try CalibrationSet.load(file: url, tokenizer: tok, count: 1, length: 64, start: nil, chatTemplate: template)
        #expect(set.samples == [tok.encode("<user>Hi\n<assistant>Hello there\n")])
        #expect(Self.error { _ = try CalibrationSet.load(file: url, tokenizer: tok, count: 1, length: 64, start: nil) }
            .contains("no chat template"))
        let failing = try ChatTemplate(source: "{{ raise_exception('roles must alternate') }}")
        #expect(Self.error { _ = try CalibrationSet.load(file: url, tokenizer: tok, count: 1, length: 64, start: nil, chatTemplate: failing) }
            .contains("chat.jsonl:1"))
    }

    @Test func smolLM2MessagesRenderAsTransformersRendersThem() throws {
        let model = try TestAssets.smolLM2()
        let template = try #require(try ChatTemplate.load(modelDirectory: model))
        let tok = try ModelDirectory(url: model).tokenizer()
        let url = try Self.file("chat.jsonl", #"{"messages": [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4"}]}"#)
        let set = try CalibrationSet.load(file: url, tokenizer: tok, count: 1, length: 512, start: nil, chatTemplate: template)
        // SmolLM2's template adds its default system turn when the first message is not a system one.
        let expected = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
            + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n"
        #expect(set.samples == [tok.encode(expected)])
        #expect(set.samples[0].first == tok.tokenId(for: "<|im_start|>"))
    }

    @Test func plainTextIsCutFromTheStartAndHalfStaysAvailable() throws {
        let tok = try Self.tokenizer()
        let wiki = TestAssets.wikiText
        let text = try String(contentsOf: wiki, encoding: .utf8)
        let fromStart = try CalibrationSet.load(file: wiki, tokenizer: tok, count: 3, length: 50, start: nil)
        let all = tok.encode(String(text.prefix(20_000)))
        #expect(fromStart.samples == [Array(all[0..<50]), Array(all[50..<100]), Array(all[100..<150])])
        let half = try CalibrationSet.load(file: wiki, tokenizer: tok, count: 3, length: 50, start: .half)
        let bytes = Array(text.utf8)
        let newline = try #require(bytes[(bytes.count / 2)...].firstIndex(of: 0x0A))
        let tail = tok.encode(String(decoding: bytes[(newline + 1)...], as: UTF8.self))
        #expect(half.samples == [Array(tail[0..<50]), Array(tail[50..<100]), Array(tail[100..<150])])
        #expect(half.samples != fromStart.samples)
    }

    /// Checked before any read: a FIFO would block forever, an oversize file would be read whole.
    @Test func fifosAndOversizeFilesAreRefusedBeforeReading() throws {
        let tok = try Self.tokenizer()
        let text = try Self.file("calib.jsonl", "{\"text\": \"a b c\"}\n")
        defer { try? FileManager.default.removeItem(at: text.deletingLastPathComponent()) }
        let folder = text.deletingLastPathComponent()
        #expect(Self.error { _ = try CalibrationSet.load(file: folder.appendingPathComponent("missing.jsonl"), tokenizer: tok, count: 1, length: 8, start: nil) }
            .contains("missing.jsonl: no such calibration file"))
        #expect(Self.error { _ = try CalibrationSet.load(file: folder, tokenizer: tok, count: 1, length: 8, start: nil) }
            .contains("no such calibration file"))
        let fifo = folder.appendingPathComponent("pipe.jsonl")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        #expect(Self.error { _ = try CalibrationSet.load(file: fifo, tokenizer: tok, count: 1, length: 8, start: nil) }
            .contains("pipe.jsonl: not a regular file"))
        // A sparse file one byte over the limit: its size is checked, its bytes are never read.
        let big = text.deletingLastPathComponent().appendingPathComponent("big.txt")
        #expect(FileManager.default.createFile(atPath: big.path, contents: nil))
        let handle = try FileHandle(forWritingTo: big)
        try handle.truncate(atOffset: UInt64(CalibrationSet.maxFileBytes) + 1)
        try handle.close()
        let message = Self.error { _ = try CalibrationSet.load(file: big, tokenizer: tok, count: 1, length: 8, start: nil) }
        #expect(message.contains("\(CalibrationSet.maxFileBytes + 1) bytes, more than the 1 GiB"), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test func shortfallsAreOneLineErrors() throws {
        let tok = try Self.tokenizer()
        let records = try Self.file("few.jsonl", "{\"text\": \"a b c\"}\n{\"text\": \"d e f\"}\n{\"text\": \"g\"}\n")
        #expect(Self.error { _ = try CalibrationSet.load(file: records, tokenizer: tok, count: 5, length: 8, start: nil) }
            .contains("3 record(s); --samples 5 needs 5"))
        #expect(Self.error { _ = try CalibrationSet.load(file: records, tokenizer: tok, count: 1, length: 8, start: .half) }
            .contains("--dataset-start applies to plain-text data"))
        let empty = try Self.file("empty.txt", "\n  \n")
        #expect(Self.error { _ = try CalibrationSet.load(file: empty, tokenizer: tok, count: 1, length: 8, start: nil) }
            .contains("is empty"))
        let oneLine = try Self.file("one.txt", "Once upon a time.")
        #expect(Self.error { _ = try CalibrationSet.load(file: oneLine, tokenizer: tok, count: 1, length: 8, start: .half) }
            .contains("no newline at or after byte"))
        let message = Self.error { _ = try CalibrationSet.load(file: oneLine, tokenizer: tok, count: 4, length: 8, start: nil) }
        #expect(message.contains("tokens; 4 samples × 8 tokens need 32"), "\(message)")
        #expect(Self.error { _ = try CalibrationSet.load(file: oneLine, tokenizer: tok, count: Int.max, length: Int.max, start: nil) }
            .contains("need more than"))
        let bad = try Self.file("bad.jsonl", "{\"text\": \"ok\"}\n{\"title\": \"x\", \"body\": \"y\"}\n")
        let missing = Self.error { _ = try CalibrationSet.load(file: bad, tokenizer: tok, count: 2, length: 8, start: nil) }
        #expect(missing.contains("bad.jsonl:2") && missing.contains("'body', 'title'"), "\(missing)")
        let both = try Self.file("both.jsonl", "{\"text\": \"a\", \"prompt\": \"b\"}\n")
        #expect(Self.error { _ = try CalibrationSet.load(file: both, tokenizer: tok, count: 1, length: 8, start: nil) }
            .contains("both 'text' and 'prompt': keep one"))
        let notJSON = try Self.file("x.jsonl", "{\"text\": \"a\"}\nnot json\n")
        #expect(Self.error { _ = try CalibrationSet.load(file: notJSON, tokenizer: tok, count: 2, length: 8, start: nil) }
            .contains("x.jsonl:2: not a JSON value"))
        #expect(!missing.contains("\n"))
    }
}
