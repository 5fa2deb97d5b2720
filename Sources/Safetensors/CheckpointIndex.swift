import Foundation
import JSON

/// A parsed `*.safetensors.index.json`: `{"metadata": {...}, "weight_map": {tensor: shard file}}`.
struct CheckpointIndex: Sendable {
    /// `weight_map` entries in document order.
    let weightMap: [(tensor: String, shard: String)]
    /// `metadata.total_size` when present and an integer.
    let totalSize: Int?

    /// Reads and validates the index at `url`. Every problem is a one-line `.invalidIndex` (or
    /// `.io` when the file cannot be read) naming the index file.
    static func load(_ url: URL) throws -> CheckpointIndex {
        func fail(_ message: String, tensor: String? = nil) -> SafetensorsError {
            SafetensorsError(.invalidIndex, url: url, tensor: tensor, message)
        }
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: url))
        } catch {
            throw SafetensorsError(.io, url: url, "cannot read index file: \(OneLine.clip(error.localizedDescription, limit: 200))")
        }
        if let bad = bytes.withUnsafeBytes({ UTF8Validation.firstInvalidOffset($0) }) {
            throw fail("index is not valid UTF-8 (byte \(bad))")
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw fail("malformed JSON: \(error.description)")
        }
        guard case .object(let members) = root else {
            throw fail("index JSON is \(root.kindName), expected an object with \"weight_map\"")
        }
        var weightMapValue: JSONValue?
        var metadataValue: JSONValue?
        for member in members {
            switch member.key {
            case "weight_map":
                if weightMapValue != nil { throw fail("\"weight_map\" appears twice") }
                weightMapValue = member.value
            case "metadata":
                if metadataValue != nil { throw fail("\"metadata\" appears twice") }
                metadataValue = member.value
            default:
                continue
            }
        }
        guard let weightMapValue else { throw fail("index has no \"weight_map\"") }
        guard case .object(let entries) = weightMapValue else {
            throw fail("\"weight_map\" is \(weightMapValue.kindName), expected an object of tensor name → shard file")
        }
        var seen = Set<String>()
        var weightMap: [(tensor: String, shard: String)] = []
        weightMap.reserveCapacity(entries.count)
        for entry in entries {
            guard seen.insert(entry.key).inserted else {
                throw fail("tensor appears twice in \"weight_map\"", tensor: entry.key)
            }
            guard case .string(let shard) = entry.value else {
                throw fail("weight_map value is \(entry.value.kindName), expected a shard file name", tensor: entry.key)
            }
            guard isSafeRelativePath(shard) else {
                throw fail("shard file name \"\(OneLine.clip(shard, limit: 200))\" must be a relative path inside the checkpoint directory", tensor: entry.key)
            }
            weightMap.append((entry.key, shard))
        }
        var totalSize: Int?
        if let metadataValue {
            switch metadataValue {
            case .null:
                break
            case .object(let fields):
                for field in fields where field.key == "total_size" {
                    if case .number(let number) = field.value, number.isInteger { totalSize = number.intValue }
                }
            default:
                throw fail("\"metadata\" is \(metadataValue.kindName), expected an object")
            }
        }
        return CheckpointIndex(weightMap: weightMap, totalSize: totalSize)
    }

    /// Non-empty, not absolute, no `..` or empty components, no NUL.
    private static func isSafeRelativePath(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\0") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { $0 != ".." && !$0.isEmpty }
    }
}
