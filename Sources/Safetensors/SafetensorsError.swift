import Foundation

/// An error raised while reading, validating or writing safetensors files and checkpoints.
///
/// The `description` is a single line that names the file (and the tensor when one is
/// concerned), e.g. `model.safetensors: tensor "w": byte count mismatch: ...`.
public struct SafetensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, for callers and tests that need to branch on the cause.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The file could not be opened, mapped, read or written.
        case io
        /// The file is shorter than the 8-byte header length prefix.
        case fileTooSmall
        /// The declared header length exceeds the 100 MB limit.
        case headerTooLarge
        /// The declared header length runs past the end of the file.
        case headerPastEnd
        /// The header is not valid UTF-8.
        case invalidUTF8
        /// The header (or an index file) is not valid JSON.
        case invalidJSON
        /// The header JSON is not an object.
        case headerNotObject
        /// `__metadata__` is not a string→string map.
        case invalidMetadata
        /// A tensor entry is not a JSON object.
        case invalidEntry
        /// A tensor entry lacks `dtype`, `shape` or `data_offsets`.
        case missingField
        /// A tensor entry field has the wrong JSON type.
        case wrongFieldType
        /// A key appears twice in the same JSON object (or a tensor name twice in a writer).
        case duplicateKey
        /// The dtype string is not one of the supported dtypes.
        case unknownDType
        /// A shape dimension is negative.
        case negativeDimension
        /// The element or byte count overflows `Int`.
        case sizeOverflow
        /// `product(shape) · byteSize` differs from `end − begin`.
        case byteCountMismatch
        /// `data_offsets` has begin > end.
        case beginAfterEnd
        /// `data_offsets` end lies past the data section.
        case offsetsPastData
        /// Two tensors' byte ranges overlap.
        case overlappingTensors
        /// There are unused bytes between two tensors.
        case gapBetweenTensors
        /// The tensors do not cover the data section up to the end of the file.
        case incompleteCoverage
        /// The requested tensor does not exist.
        case tensorNotFound
        /// The tensor has a dtype the requested reader cannot produce.
        case dtypeMismatch
        /// A destination buffer has the wrong number of elements.
        case bufferSizeMismatch
        /// A sharded-checkpoint index file is malformed.
        case invalidIndex
        /// The index maps a tensor to a shard file that does not exist.
        case missingShard
        /// The index lists a tensor that is absent from its shard.
        case tensorMissingFromShard
        /// A directory holds neither `model.safetensors` nor an index file.
        case noCheckpoint
        /// A tensor handed to a writer is inconsistent (bad name, shape or byte count).
        case invalidTensor
        /// A writer was used after `finish()`.
        case writerFinished
    }

    /// The cause of the error.
    public let kind: Kind
    /// Path of the file (or directory) concerned.
    public let path: String
    /// Name of the tensor concerned, when there is one.
    public let tensor: String?
    /// Human-readable detail (without the file and tensor prefix).
    public let message: String

    /// Creates an error.
    public init(_ kind: Kind, path: String, tensor: String? = nil, _ message: String) {
        self.kind = kind
        self.path = path
        self.tensor = tensor
        self.message = message
    }

    /// Creates an error about a file given by URL.
    public init(_ kind: Kind, url: URL, tensor: String? = nil, _ message: String) {
        self.init(kind, path: url.path, tensor: tensor, message)
    }

    /// One line: `<path>: tensor "<name>": <message>`. Control characters are escaped and
    /// very long names are shortened so the line stays readable.
    public var description: String {
        var line = OneLine.clip(path, limit: 400) + ": "
        if let tensor {
            line += "tensor \"" + OneLine.clip(tensor, limit: 200) + "\": "
        }
        return line + OneLine.clip(message, limit: 600)
    }
}

/// Helpers that keep diagnostic text on one line.
enum OneLine {
    /// Escapes control characters and truncates to `limit` characters.
    static func clip(_ text: String, limit: Int) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit {
                out += "…"
                break
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                    || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            count += 1
        }
        return out
    }
}
