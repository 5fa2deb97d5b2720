import Foundation
import JSON

/// The record SwiftQuant writes into every output directory (`.swiftquant-output.json`): which
/// command wrote it and every file it wrote. `--overwrite` replaces only a directory that holds
/// such a record and nothing beyond the files it lists, so a run can never delete a user's files.
public struct OutputRecord: Equatable, Sendable {
    /// The record's file name inside an output directory.
    public static let fileName = ".swiftquant-output.json"
    /// The value of `writer`, recognising the record as SwiftQuant's.
    public static let writerName = "swiftquant"

    /// Always `swiftquant`.
    public var writer: String
    /// The subcommand that wrote the directory (e.g. `quantize`).
    public var command: String
    /// The source model's directory (resolved path).
    public var source: String
    /// When the directory was completed (ISO 8601, UTC).
    public var created: String
    /// Every file written, relative to the directory, sorted; the record itself is not listed.
    public var files: [String]

    /// A record for the files under `directory` (recursively; directories are not listed).
    public static func describing(_ directory: URL, command: String, source: URL) throws -> OutputRecord {
        let formatter = ISO8601DateFormatter()
        return OutputRecord(writer: writerName, command: command, source: source.path,
                            created: formatter.string(from: Date()), files: try relativeFiles(in: directory))
    }

    /// Reads the record of `directory`; nil when there is none or it is not SwiftQuant's.
    public static func read(in directory: URL) -> OutputRecord? {
        let url = directory.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path),
              let value = try? JSONParser.parse(data),
              let record = OutputRecord(json: value),
              record.writer == writerName else { return nil }
        return record
    }

    /// Writes the record into `directory`, laid out as Foundation's `JSONEncoder` wrote it
    /// (`.prettyPrinted, .sortedKeys`), so records stay byte-identical.
    public func write(in directory: URL) throws {
        let bytes = JSONWriter.bytes(json, layout: .foundation(prettyPrinted: true, sortedKeys: true))
        try Data(bytes).write(to: directory.appendingPathComponent(Self.fileName))
    }

    /// The record as a JSON object.
    public var json: JSONValue {
        [
            "writer": .string(writer), "command": .string(command), "source": .string(source),
            "created": .string(created), "files": .array(files.map { .string($0) }),
        ]
    }

    /// Files under `directory`, relative and sorted, without the record itself; symbolic links are
    /// listed as files (never followed).
    static func relativeFiles(in directory: URL) throws -> [String] {
        var result: [String] = []
        func walk(_ url: URL, prefix: String) throws {
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path) {
                let child = url.appendingPathComponent(name)
                let relative = prefix.isEmpty ? name : prefix + "/" + name
                var info = stat()
                guard lstat(child.path, &info) == 0 else { continue }
                if (info.st_mode & S_IFMT) == S_IFDIR {
                    try walk(child, prefix: relative)
                } else if relative != fileName {
                    result.append(relative)
                }
            }
        }
        try walk(directory, prefix: "")
        return result.sorted()
    }
}

extension OutputRecord {
    /// A record read from its JSON object: every field present with its type (extra members are
    /// ignored); nil otherwise.
    public init?(json: JSONValue) {
        guard let writer = json["writer"]?.stringValue, let command = json["command"]?.stringValue,
              let source = json["source"]?.stringValue, let created = json["created"]?.stringValue,
              let items = json["files"]?.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else { return nil }
        self.init(writer: writer, command: command, source: source, created: created, files: items.compactMap(\.stringValue))
    }
}
