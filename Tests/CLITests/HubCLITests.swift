import Foundation
import TestAssets
import Testing

/// `--model ORG/NAME[@REVISION]`: every subcommand that takes a model resolves a Hub id through the
/// Hugging Face cache (`HF_HOME/hub`); offline with nothing cached it is one line naming the repo.
/// (Downloads are tested against a loopback Hub in ModelsTests' HubTests.)
@Suite("CLI: models by Hugging Face id")
struct HubCLITests {
    static let commit = "89abcdef0123456789abcdef0123456789abcdef"

    /// A cache for `org/tiny-stories` in the layout huggingface_hub writes (refs/main, snapshot
    /// links into blobs named by their etag), holding the test model's files.
    static func makeCache(in home: URL) throws {
        let repo = home.appendingPathComponent("hub/models--org--tiny-stories")
        let snapshot = repo.appendingPathComponent("snapshots/\(commit)")
        try FileManager.default.createDirectory(at: snapshot, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: repo.appendingPathComponent("blobs"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: repo.appendingPathComponent("refs"), withIntermediateDirectories: true)
        try Data(commit.utf8).write(to: repo.appendingPathComponent("refs/main"))
        let stories = TestAssets.testModel
        for (index, name) in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"].enumerated() {
            let etag = String(format: "%040x", index + 1)
            try FileManager.default.copyItem(at: stories.appendingPathComponent(name), to: repo.appendingPathComponent("blobs/\(etag)"))
            try FileManager.default.createSymbolicLink(atPath: snapshot.appendingPathComponent(name).path, withDestinationPath: "../../blobs/\(etag)")
        }
    }

    @Test func offlineEvalByIdEqualsEvalOfTheFolder() throws {
        let home = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        try Self.makeCache(in: home)
        let data = home.appendingPathComponent("text.txt")
        try Data(String(repeating: "Once upon a time there was a little girl named Lily. ", count: 40).utf8).write(to: data)
        let arguments = ["--data", data.path, "--ctx", "64", "--tokens", "128", "--json"]
        let environment = ["HF_HUB_OFFLINE": "1", "HF_HOME": home.path, "HF_HUB_CACHE": "", "HF_ENDPOINT": "http://127.0.0.1:9"]
        let byID = try CLIRunner.run(["eval", "--model", "org/tiny-stories"] + arguments, environment: environment)
        #expect(byID.status == 0, "\(byID.stderr)")
        let byPath = try CLIRunner.run(["eval", "--model", CLIRunner.testModel] + arguments)
        #expect(byPath.status == 0, "\(byPath.stderr)")
        #expect(Self.ppl(byID.stdout) != nil && Self.ppl(byID.stdout) == Self.ppl(byPath.stdout))
        // By commit hash too.
        let byCommit = try CLIRunner.run(["inspect", "org/tiny-stories@\(Self.commit)"], environment: environment)
        #expect(byCommit.status == 0 && byCommit.stdout.contains("snapshots/\(Self.commit)"), "\(byCommit.stderr)")
    }

    static func ppl(_ json: String) -> Double? {
        guard let line = json.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
        return (object["ppl"] as? NSNumber)?.doubleValue
    }

    @Test(arguments: [
        ["eval", "--model", "org/not-cached", "--data", "/dev/null"],
        ["generate", "--model", "org/not-cached", "--prompt", "hi"],
        ["inspect", "org/not-cached"],
        ["quantize", "--model", "org/not-cached", "--scheme", "W8A8", "--output", "OUT"],
        ["modelslim", "qwen", "--model_path", "org/not-cached", "--save_directory", "OUT"],
    ])
    func offlineWithoutCacheIsOneLine(arguments: [String]) throws {
        let home = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        let out = home.appendingPathComponent("out").path
        let result = try CLIRunner.run(arguments.map { $0 == "OUT" ? out : $0 },
                                       environment: ["HF_HUB_OFFLINE": "1", "HF_HOME": home.path, "HF_HUB_CACHE": ""])
        expectCleanFailure(result, mentioning: ["HF_HUB_OFFLINE=1", "org/not-cached", "not in the Hugging Face cache"])
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func offlineMissingFileIsNamed() throws {
        let home = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        try Self.makeCache(in: home)
        try FileManager.default.removeItem(atPath: home.appendingPathComponent("hub/models--org--tiny-stories/snapshots/\(Self.commit)/model.safetensors").path)
        let result = try CLIRunner.run(["inspect", "org/tiny-stories"], environment: ["HF_HUB_OFFLINE": "1", "HF_HOME": home.path, "HF_HUB_CACHE": ""])
        expectCleanFailure(result, mentioning: ["org/tiny-stories", "model.safetensors"])
        let revision = try CLIRunner.run(["inspect", "org/tiny-stories@v2"], environment: ["HF_HUB_OFFLINE": "1", "HF_HOME": home.path, "HF_HUB_CACHE": ""])
        expectCleanFailure(revision, mentioning: ["org/tiny-stories", "revision v2"])
    }
}
