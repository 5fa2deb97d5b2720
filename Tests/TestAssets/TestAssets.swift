import Foundation

/// Where the test suite finds its assets. A clone holds everything the suite needs except
/// SmolLM2, which `scripts/install-deps.sh` (run by `scripts/test.sh`) fetches into the user cache:
///
/// - the test model `Tests/Fixtures/models/wiki260K` (trained by `scripts/make_test_model.py`);
/// - the corpus `data/wikitext-2-raw/wiki.test.raw`;
/// - transformers' golden outputs in `Tests/References` (made by `scripts/make_references.py`);
/// - SmolLM2-135M from `SWIFTQUANT_SMOLLM2`, the shared assets, or the cache of `scripts/get-smollm2.sh`.
///
/// The shared assets folder (`SWIFTQUANT_SHARED`, else `../shared` beside the package) is
/// optional. Only tests against outputs that exist nowhere else (msModelSlim's real AscendV1
/// files, made from llama2.c's stories260K) need it; they are enabled by `hasShared(_:)`.
public enum TestAssets {
    /// The folder holding `Package.swift`.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// An asset that should be there but is not, with what to run to get it.
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// The test model: a 260K-parameter Llama with stories260K's shape and tokenizer, trained on
    /// WikiText-2 (see `Tests/Fixtures/models/wiki260K/README.md`). fp32, tied embeddings.
    public static var testModel: URL { fixture("models/wiki260K") }

    /// The test model's single safetensors file.
    public static var testModelWeights: URL { testModel.appendingPathComponent("model.safetensors") }

    /// The evaluation corpus, shipped with the repository.
    public static var wikiText: URL { packageRoot.appendingPathComponent("data/wikitext-2-raw/wiki.test.raw") }

    /// A committed golden file in `Tests/References`.
    public static func reference(_ name: String) -> URL {
        packageRoot.appendingPathComponent("Tests/References/\(name)")
    }

    /// A committed fixture under `Tests/Fixtures`.
    public static func fixture(_ path: String) -> URL {
        packageRoot.appendingPathComponent("Tests/Fixtures/\(path)")
    }

    /// The shared assets folder, whether or not it exists.
    public static var sharedRoot: URL {
        if let env = ProcessInfo.processInfo.environment["SWIFTQUANT_SHARED"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared", isDirectory: true)
    }

    /// `sharedRoot/path` when it exists.
    public static func shared(_ path: String) -> URL? {
        let url = sharedRoot.appendingPathComponent(path)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// Whether every one of these shared paths exists (for `.enabled(if:)` on the tests that need them).
    public static func hasShared(_ paths: String...) -> Bool {
        paths.allSatisfy { shared($0) != nil }
    }

    /// SmolLM2-135M-Instruct (bf16, from `scripts/get-smollm2.sh`), looked up in order:
    /// `SWIFTQUANT_SMOLLM2`, the shared assets' `models/smollm2-135m`, then the script's default target
    /// `${SWIFTQUANT_MODELS:-${XDG_CACHE_HOME:-~/.cache}/swiftquant/models}/smollm2-135m`.
    public static func smolLM2() throws -> URL {
        for candidate in smolLM2Candidates where FileManager.default.fileExists(
            atPath: candidate.appendingPathComponent("model.safetensors").path) {
            return candidate
        }
        throw Missing(description: "SmolLM2 is missing (looked in \(smolLM2Candidates.map(\.path).joined(separator: ", "))): "
                      + "run scripts/get-smollm2.sh (scripts/test.sh does)")
    }

    static var smolLM2Candidates: [URL] {
        let env = ProcessInfo.processInfo.environment
        var list: [URL] = []
        if let dir = env["SWIFTQUANT_SMOLLM2"], !dir.isEmpty { list.append(URL(fileURLWithPath: dir)) }
        list.append(sharedRoot.appendingPathComponent("models/smollm2-135m"))
        let models: URL
        if let dir = env["SWIFTQUANT_MODELS"], !dir.isEmpty {
            models = URL(fileURLWithPath: dir)
        } else {
            let cache = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
                ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
            models = cache.appendingPathComponent("swiftquant/models")
        }
        list.append(models.appendingPathComponent("smollm2-135m"))
        return list
    }

    /// The JSON object in a file.
    public static func json(_ url: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Missing(description: "\(url.path) is not a JSON object")
        }
        return object
    }

    /// The integers of a JSON array (empty if it is not one).
    public static func ints(_ value: Any?) -> [Int] {
        (value as? [NSNumber])?.map(\.intValue) ?? []
    }
}
