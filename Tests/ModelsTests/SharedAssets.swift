import Foundation
import TestAssets

/// Transitional: the reference tests' old names for TestAssets (removed with their rewrite).
enum SharedAssets {
    static var stories: URL { TestAssets.testModel }
    static var wikiText: URL { TestAssets.wikiText }
    static func reference(_ name: String) -> URL { TestAssets.sharedRoot.appendingPathComponent("reference/\(name)") }
    static func requireSmolLM2() throws -> URL { try TestAssets.smolLM2() }
    static func json(_ url: URL) throws -> [String: Any] { try TestAssets.json(url) }
    static func ints(_ value: Any?) -> [Int] { TestAssets.ints(value) }
}
