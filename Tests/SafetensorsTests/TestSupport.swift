import Foundation
import TestAssets
import Testing
@testable import Safetensors

/// msModelSlim 26.1.0's real AscendV1 outputs, which only the optional shared assets hold.
enum MsModelSlimOutputs {
    static let runs = ["v1_stories_w8a16", "v1_stories_w8a8_static"]
    static func file(_ path: String) -> URL { TestAssets.sharedRoot.appendingPathComponent("reference/ascend/\(path)") }
    /// Whether the shared assets hold them (tests that re-create those exact bytes need them).
    static var present: Bool { runs.allSatisfy { TestAssets.hasShared("reference/ascend/\($0)") } }
}

/// A fresh temporary directory removed when the value is deinitialised.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("safetensors-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes raw bytes to `name` and returns its URL.
    func write(_ bytes: [UInt8], to name: String) throws -> URL {
        let target = file(name)
        try Data(bytes).write(to: target)
        return target
    }
}

/// SplitMix64: a small deterministic PRNG for reproducible randomized tests.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builds a safetensors file from a header JSON string and a data section, with an explicit
/// length prefix (defaults to the JSON length) — for malformed-input tests.
func rawFile(header: String, data: [UInt8] = [], lengthPrefix: UInt64? = nil) -> [UInt8] {
    let json = Array(header.utf8)
    let n = lengthPrefix ?? UInt64(json.count)
    var out: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) }
    out += json
    out += data
    return out
}

/// Runs `body` and returns the SafetensorsError it throws (records an issue otherwise).
func expectSafetensorsError(
    _ kind: SafetensorsError.Kind,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> SafetensorsError? {
    do {
        try body()
        Issue.record("expected SafetensorsError.\(kind), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as SafetensorsError {
        #expect(error.kind == kind, "got \(error.kind): \(error)", sourceLocation: sourceLocation)
        #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected SafetensorsError.\(kind), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
