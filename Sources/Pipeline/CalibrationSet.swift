import Foundation
import JSON
import Tokenizers

/// Where calibration text starts in a plain-text data file.
public enum DatasetStart: Sendable, Equatable {
    /// The whole file, from its first byte (the default for a user's file).
    case beginning
    /// After the first newline at or after the byte midpoint: the standard set C(n, L) of docs/evaluation.md.
    case half
    /// After the first newline at or after this byte offset.
    case byteOffset(Int)

    /// Parses `half`, `start` (or `0`), or a byte count.
    public init?(argument: String) {
        if argument == "half" { self = .half; return }
        if argument == "0" || argument == "start" { self = .beginning; return }
        guard let bytes = Int(argument), bytes >= 0 else { return nil }
        self = .byteOffset(bytes)
    }
}

/// Calibration samples as token ids, in the order they are run.
///
/// - A `.jsonl` file (one JSON record per line) or `.json` file (a list of records) gives one
///   sample per record, in file order: the record's `text`, `prompt` or `inputs_pretokenized`
///   (msModelSlim) string, tokenized as transformers' `tokenizer(text)` does (with the special
///   tokens of its post-processor), or its `messages` rendered with the model's chat template
///   (tokenized without adding special tokens: the template writes them); truncated to `length`.
/// - Any other file is plain text: it is tokenized from `start` (without special tokens) and cut
///   into `count` consecutive windows of `length` tokens.
public struct CalibrationSet: Sendable {
    /// The samples (each at most `length` tokens long).
    public let samples: [[Int]]
    /// The number of samples.
    public var count: Int { samples.count }
    /// The number of tokens over all samples.
    public var tokenCount: Int { samples.reduce(0) { $0 + $1.count } }

    /// Wraps samples.
    public init(samples: [[Int]]) {
        self.samples = samples
    }

    /// The record fields that hold a sample's text, in msModelSlim's and llm-compressor's names.
    public static let textFields = ["text", "prompt", "inputs_pretokenized"]

    /// Largest calibration file read (it is read whole; 64 samples of 512 tokens need a few MB).
    public static let maxFileBytes: Int64 = 1 << 30

    /// Reads calibration data (see the type's description). `start` applies to plain text only
    /// (nil = from the beginning); `chatTemplate` renders a record's `messages` as transformers'
    /// `apply_chat_template(messages, tokenize=False)` does (nil when the model has none).
    /// `notes` receives one-line notes (unused record fields). `count` nil takes every record of a
    /// record file (as msModelSlim does); plain text needs a count.
    public static func load(file: URL, tokenizer: Tokenizer, count requested: Int?, length: Int, start: DatasetStart?,
                            chatTemplate: ChatTemplate? = nil,
                            notes: (String) -> Void = { _ in }) throws -> CalibrationSet {
        guard (requested ?? 1) > 0, length > 0 else {
            throw PipelineError("calibration needs --samples and --seqlen greater than 0")
        }
        // One look at the file (symlinks followed) before any read: a FIFO or device would block or
        // never end, and the whole file is read into memory.
        let attributes = try? FileManager.default.attributesOfItem(atPath: file.resolvingSymlinksInPath().path)
        let type = attributes?[.type] as? FileAttributeType
        guard let type, type != .typeDirectory else {
            throw PipelineError("\(file.path): no such calibration file")
        }
        guard type == .typeRegular else {
            throw PipelineError("\(file.path): not a regular file (calibration data is a text, .jsonl or .json file)")
        }
        if let size = (attributes?[.size] as? NSNumber)?.int64Value, size > Self.maxFileBytes {
            throw PipelineError("\(file.path): \(size) bytes, more than the \(Self.maxFileBytes >> 30) GiB calibration data may have: keep the samples you need (e.g. head -n N for records)")
        }
        guard let bytes = FileManager.default.contents(atPath: file.path) else {
            throw PipelineError("\(file.path): cannot read the calibration data")
        }
        guard !bytes.allSatisfy({ [0x20, 0x0A, 0x0D, 0x09].contains($0) }) else {
            throw PipelineError("\(file.path): the calibration file is empty")
        }
        let ext = file.pathExtension.lowercased()
        if ext == "jsonl" || ext == "json" {
            if let start, start != .beginning {
                throw PipelineError("--dataset-start applies to plain-text data; \(file.lastPathComponent) is a list of records (one sample each, in file order)")
            }
            let records = ext == "jsonl" ? try jsonlRecords(bytes, path: file.path) : try jsonRecords(bytes, path: file.path)
            let count = requested ?? records.count
            guard records.count >= count else {
                throw PipelineError("\(file.path): \(records.count) record(s); --samples \(count) needs \(count) (one sample per record): lower --samples or add records")
            }
            var unused = Set<String>()
            var samples: [[Int]] = []
            samples.reserveCapacity(count)
            for record in records.prefix(count) {
                let sample = try record.text(chatTemplate: chatTemplate, unused: &unused)
                var ids = sample.isChat ? tokenizer.encode(sample.text) : tokenizer.encode(sample.text, addSpecialTokens: true)
                if ids.isEmpty {
                    throw PipelineError("\(file.path):\(record.location): the record's text is empty after tokenization")
                }
                if ids.count > length { ids = Array(ids.prefix(length)) }
                samples.append(ids)
            }
            if !unused.isEmpty {
                notes("note: record field(s) \(unused.sorted().map { "'\($0)'" }.joined(separator: ", ")) of \(file.lastPathComponent) are not used (samples come from \(textFields.joined(separator: "/"))/messages)")
            }
            return CalibrationSet(samples: samples)
        }
        let sliced = try slice(bytes, start: start ?? .beginning, path: file.path)
        guard let text = String(data: sliced, encoding: .utf8) else {
            throw PipelineError("\(file.path): calibration data is not valid UTF-8 at the chosen start")
        }
        let ids = tokenizer.encode(text)
        guard let count = requested else {
            throw PipelineError("\(file.path): plain-text calibration data needs a sample count (--samples N)")
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: length)
        guard !overflow, ids.count >= needed else {
            let need = overflow ? "more than \(Int.max)" : "\(needed)"
            throw PipelineError("\(file.path): the calibration text has \(ids.count) tokens\(start == nil || start == .beginning ? "" : " from the chosen start"); \(count) samples × \(length) tokens need \(need): lower --samples or --seqlen, or give more text")
        }
        return CalibrationSet(samples: (0..<count).map { Array(ids[($0 * length)..<(($0 + 1) * length)]) })
    }

    static func slice(_ data: Data, start: DatasetStart, path: String) throws -> Data {
        let offset: Int
        switch start {
        case .beginning: return data
        case .half: offset = data.count / 2
        case .byteOffset(let bytes): offset = bytes
        }
        guard offset <= data.count else {
            throw PipelineError("\(path): --dataset-start \(offset) is past the end of the file (\(data.count) bytes)")
        }
        guard let newline = data[data.startIndex.advanced(by: offset)...].firstIndex(of: 0x0A) else {
            throw PipelineError("\(path): no newline at or after byte \(offset) to start the calibration text (the file has \(data.count) bytes; --dataset-start half needs a line break after its middle)")
        }
        return data[(newline + 1)...]
    }

    /// One record of a records file, with where it is (for messages).
    struct Record {
        let object: JSONObject
        let location: String

        /// The record's text, and whether it came from a chat template.
        func text(chatTemplate: ChatTemplate?, unused: inout Set<String>) throws -> (text: String, isChat: Bool) {
            let present = (CalibrationSet.textFields + ["messages"]).filter { object[$0] != nil }
            guard present.count == 1, let field = present.first else {
                if present.isEmpty {
                    let keys = Set(object.keys).sorted().map { "'\($0)'" }.joined(separator: ", ")
                    throw PipelineError("\(location): a record needs one of \(CalibrationSet.textFields.joined(separator: ", ")) or messages (it has \(keys.isEmpty ? "no fields" : keys))")
                }
                throw PipelineError("\(location): a record has both \(present.map { "'\($0)'" }.joined(separator: " and ")): keep one")
            }
            for key in object.keys where key != field { unused.insert(key) }
            if field == "messages" {
                guard let list = object[field]?.arrayValue else {
                    throw PipelineError("\(location): 'messages' must be a list of {role, content} objects")
                }
                var turns: [ChatMessage] = []
                for (index, item) in list.enumerated() {
                    guard let turn = item.objectValue, let role = turn["role"]?.stringValue,
                          let content = turn["content"]?.stringValue else {
                        throw PipelineError("\(location): messages[\(index)] must be an object with string 'role' and 'content'")
                    }
                    turns.append(ChatMessage(role: role, content: content))
                }
                guard let chatTemplate else {
                    throw PipelineError("\(location): the record has 'messages' but the model has no chat template to render them (give 'text' records instead)")
                }
                do {
                    return (try chatTemplate.render(messages: turns, addGenerationPrompt: false), true)
                } catch {
                    throw PipelineError("\(location): \(error)")
                }
            }
            guard let text = object[field]?.stringValue else {
                throw PipelineError("\(location): '\(field)' must be a string")
            }
            return (text, false)
        }
    }

    static func jsonlRecords(_ data: Data, path: String) throws -> [Record] {
        var records: [Record] = []
        for (number, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            let location = "\(path):\(number + 1)"
            guard let value = try? JSONParser.parse(line) else {
                throw PipelineError("\(location): not a JSON value (each line of a .jsonl file is one record)")
            }
            records.append(try record(value, location: location))
        }
        return records
    }

    static func jsonRecords(_ data: Data, path: String) throws -> [Record] {
        guard let value = try? JSONParser.parse(data) else {
            throw PipelineError("\(path): not valid JSON")
        }
        guard let list = value.arrayValue else {
            throw PipelineError("\(path): a .json calibration file must be a list of records (objects with a text, prompt, inputs_pretokenized or messages field)")
        }
        return try list.enumerated().map { try record($1, location: "\(path): record \($0)") }
    }

    /// A record object; a bare string counts as `{"text": …}`.
    static func record(_ value: JSONValue, location: String) throws -> Record {
        if let text = value.stringValue { return Record(object: ["text": .string(text)], location: location) }
        guard let object = value.objectValue else {
            throw PipelineError("\(location): a record must be a JSON object (or a string)")
        }
        return Record(object: object, location: location)
    }
}

/// A pipeline failure, one line.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
