import Foundation

/// Locates the shared read-only assets folder (models, data, reference outputs).
///
/// `SWIFTQUANT_SHARED` wins if set; otherwise it is `../shared` next to the package root,
/// found by walking up from this file to the directory holding `Package.swift`.
enum SharedAssets {
    /// An asset that should be there but is not.
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    static var root: URL {
        if let env = ProcessInfo.processInfo.environment["SWIFTQUANT_SHARED"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                return dir.deletingLastPathComponent().appendingPathComponent("shared", isDirectory: true)
            }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "../shared", isDirectory: true)
    }

    /// `root/relativePath`, throwing `Missing` with `hint` if it does not exist.
    static func file(_ relativePath: String, hint: String = "") throws -> URL {
        let url = root.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw Missing(description: "missing \(url.path)" + (hint.isEmpty ? "" : "; \(hint)"))
        }
        return url
    }

    /// The tokenizer.json of a model under `models/`.
    static func tokenizer(_ model: String) throws -> URL {
        let hint = model == "smollm2-135m"
            ? "run ../shared/models/get-smollm2.sh to create the SmolLM2 files" : ""
        return try file("models/\(model)/tokenizer.json", hint: hint)
    }

    /// The text of a file, decoded as UTF-8.
    static func text(_ url: URL) throws -> String {
        String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }

    /// The two reference corpora: the whole of wiki.test.raw, and the concatenation of
    /// `seeds/*.txt` in file-name order.
    static func corpora() throws -> [String: String] {
        let wiki = try text(try file("data/wikitext-2-raw/wiki.test.raw"))
        let seedsDir = try file("seeds")
        let names = try FileManager.default.contentsOfDirectory(atPath: seedsDir.path)
            .filter { $0.hasSuffix(".txt") }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var seeds = ""
        for name in names { seeds += try text(seedsDir.appendingPathComponent(name)) }
        return ["wiki.test.raw": wiki, "seeds": seeds]
    }
}
