import Foundation
import Testing

/// Locates ../shared (or $SWIFTQUANT_SHARED) and the package root from this file.
enum SharedAssets {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["SWIFTQUANT_SHARED"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    static var stories: URL { root.appendingPathComponent("models/stories260K") }
    static var smollm2: URL { root.appendingPathComponent("models/smollm2-135m") }
    static var wikiText: URL { root.appendingPathComponent("data/wikitext-2-raw/wiki.test.raw") }
    static func reference(_ name: String) -> URL { root.appendingPathComponent("reference/\(name)") }
    static func fixture(_ name: String) -> URL { packageRoot.appendingPathComponent("Tests/Fixtures/tiny/\(name)") }

    /// SmolLM2 must have been materialized by ../shared/models/get-smollm2.sh (the test script does it).
    static func requireSmolLM2() throws -> URL {
        let config = smollm2.appendingPathComponent("config.json")
        try #require(FileManager.default.fileExists(atPath: config.path),
                     "SmolLM2 is missing: run ../shared/models/get-smollm2.sh (scripts/test.sh does)")
        return smollm2
    }

    static func json(_ url: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func ints(_ value: Any?) -> [Int] {
        (value as? [NSNumber])?.map(\.intValue) ?? []
    }
}
