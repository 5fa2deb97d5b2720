import Foundation
import Tokenizers

/// Where calibration text starts in the data file.
public enum DatasetStart: Sendable, Equatable {
    /// The whole file.
    case beginning
    /// After the first newline at or after the byte midpoint: the standard set C(n, L) of docs/evaluation.md.
    case half
    /// After the first newline at or after this byte offset.
    case byteOffset(Int)

    /// Parses `half` or a byte count.
    public init?(argument: String) {
        if argument == "half" { self = .half; return }
        if argument == "0" || argument == "start" { self = .beginning; return }
        guard let bytes = Int(argument), bytes >= 0 else { return nil }
        self = .byteOffset(bytes)
    }
}

/// Calibration samples: n consecutive, non-overlapping windows of L tokens (no padding, no shuffling).
public struct CalibrationSet: Sendable {
    public let samples: [[Int]]
    public var count: Int { samples.count }
    public var sequenceLength: Int { samples.first?.count ?? 0 }

    public init(samples: [[Int]]) {
        self.samples = samples
    }

    /// Reads a text file (or a jsonl file whose records have a `text` field, joined by blank lines),
    /// takes the text from `start`, encodes it without special tokens and cuts `count` windows of `length`.
    public static func load(file: URL, tokenizer: Tokenizer, count: Int, length: Int, start: DatasetStart) throws -> CalibrationSet {
        guard count > 0, length > 0 else {
            throw PipelineError("calibration needs --samples and --seqlen greater than 0")
        }
        guard let bytes = FileManager.default.contents(atPath: file.path) else {
            throw PipelineError("\(file.path): cannot read the calibration data")
        }
        let raw: Data
        if file.pathExtension.lowercased() == "jsonl" {
            raw = try jsonlText(bytes, path: file.path)
        } else {
            raw = bytes
        }
        let sliced = try slice(raw, start: start, path: file.path)
        guard let text = String(data: sliced, encoding: .utf8) else {
            throw PipelineError("\(file.path): calibration data is not valid UTF-8 at the chosen start")
        }
        let ids = tokenizer.encode(text)
        guard ids.count >= count * length else {
            throw PipelineError("\(file.path): the calibration text has \(ids.count) tokens; \(count) samples × \(length) need \(count * length)")
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
            throw PipelineError("\(path): no newline at or after byte \(offset) to start the calibration text")
        }
        return data[(newline + 1)...]
    }

    static func jsonlText(_ data: Data, path: String) throws -> Data {
        var texts: [String] = []
        for (number, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let text = object["text"] as? String else {
                throw PipelineError("\(path):\(number + 1): expected a JSON object with a \"text\" string")
            }
            texts.append(text)
        }
        return Data(texts.joined(separator: "\n\n").utf8)
    }
}

/// A pipeline failure, one line.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
