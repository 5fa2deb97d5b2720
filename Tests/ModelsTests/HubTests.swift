import Foundation
import Models
import TestAssets
import Testing

/// Models by Hugging Face id: the cache layout huggingface_hub writes, downloads from a loopback
/// Hub (`HubTestServer`), resume, checksums, 401/404 and offline mode.
@Suite("Hugging Face Hub")
struct HubTests {
    static let repo = "swiftquant-test/wiki260K"
    static let files = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                        "special_tokens_map.json", "generation_config.json"]

    /// A server holding the test model's files, and an empty cache directory.
    static func setUp(files names: [String] = files) throws -> (HubTestServer, URL) {
        var files: [String: Data] = [:]
        for name in names { files[name] = try Data(contentsOf: TestAssets.testModel.appendingPathComponent(name)) }
        let server = try HubTestServer(repo: repo, files: files)
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("swiftquant-hub-\(UUID().uuidString)")
        return (server, cache)
    }

    static func environment(_ server: HubTestServer, _ cache: URL, token: String? = nil, offline: Bool = false) -> HubEnvironment {
        HubEnvironment(cacheDirectory: cache, endpoint: server.endpoint, token: token, offline: offline)
    }

    static func id(_ text: String = repo) throws -> HubRepoID { try #require(HubRepoID(parsing: text)) }

    /// Every file under `url`, relative.
    static func listing(_ url: URL) -> [String] {
        (FileManager.default.enumerator(atPath: url.path)?.allObjects as? [String] ?? []).sorted()
    }

    static func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch { return "\(error)" }
        return nil
    }

    @Test func downloadWritesTheCacheLayoutOfHuggingfaceHub() throws {
        let (server, cache) = try Self.setUp()
        defer { server.stop(); try? FileManager.default.removeItem(at: cache) }
        let snapshot = try HubDownloader(environment: Self.environment(server, cache)).snapshot(try Self.id())
        let folder = cache.appendingPathComponent("models--swiftquant-test--wiki260K")
        #expect(snapshot.standardizedFileURL.path == folder.appendingPathComponent("snapshots/\(server.commit)").standardizedFileURL.path)
        #expect(try String(contentsOf: folder.appendingPathComponent("refs/main"), encoding: .utf8) == server.commit)
        for name in Self.files {
            let etag = try #require(server.etag(of: name))
            let link = try FileManager.default.destinationOfSymbolicLink(atPath: snapshot.appendingPathComponent(name).path)
            #expect(link == "../../blobs/\(etag)", "\(name)")
            let blob = try Data(contentsOf: folder.appendingPathComponent("blobs/\(etag)"))
            #expect(blob == (try Data(contentsOf: TestAssets.testModel.appendingPathComponent(name))), "\(name)")
        }
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(".no_exist/\(server.commit)/chat_template.jinja").path))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(".no_exist/\(server.commit)/model.safetensors.index.json").path))
        #expect(!Self.listing(folder).contains { $0.hasSuffix(".incomplete") })
        // The snapshot is a checkpoint directory.
        let directory = try ModelDirectory(url: snapshot)
        #expect(directory.config.numLayers > 0)
        _ = try directory.tokenizer()
        // Asked again, nothing is downloaded: only HEAD requests for the revision.
        let before = server.log.count
        _ = try HubDownloader(environment: Self.environment(server, cache)).snapshot(try Self.id())
        #expect(server.log.dropFirst(before).allSatisfy { $0.method == "HEAD" })
        // By commit hash with everything cached: no request at all.
        let count = server.log.count
        _ = try HubDownloader(environment: Self.environment(server, cache)).snapshot(try Self.id("\(Self.repo)@\(server.commit)"))
        #expect(server.log.count == count)
    }

    @Test func droppedConnectionIsResumedWithARangeRequest() throws {
        let (server, cache) = try Self.setUp()
        defer { server.stop(); try? FileManager.default.removeItem(at: cache) }
        server.dropNextDownload(of: "model.safetensors", after: 300_000)
        let snapshot = try HubDownloader(environment: Self.environment(server, cache)).snapshot(try Self.id())
        let data = try Data(contentsOf: snapshot.appendingPathComponent("model.safetensors"))
        #expect(data == (try Data(contentsOf: TestAssets.testModel.appendingPathComponent("model.safetensors"))))
        let ranges = server.log.filter { $0.method == "GET" && $0.path.hasPrefix("/cdn/") }.map { $0.headers["range"] }
        #expect(ranges == [nil, "bytes=300000-"])
    }

    @Test func incompleteBlobIsContinued() throws {
        let (server, cache) = try Self.setUp()
        defer { server.stop(); try? FileManager.default.removeItem(at: cache) }
        let etag = try #require(server.etag(of: "model.safetensors"))
        let blobs = cache.appendingPathComponent("models--swiftquant-test--wiki260K/blobs")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        let original = try Data(contentsOf: TestAssets.testModel.appendingPathComponent("model.safetensors"))
        try original.prefix(1000).write(to: blobs.appendingPathComponent("\(etag).incomplete"))
        let snapshot = try HubDownloader(environment: Self.environment(server, cache)).snapshot(try Self.id())
        #expect(try Data(contentsOf: snapshot.appendingPathComponent("model.safetensors")) == original)
        let ranges = server.log.filter { $0.method == "GET" && $0.path.hasPrefix("/cdn/") }.map { $0.headers["range"] }
        #expect(ranges == ["bytes=1000-"])
    }

    @Test func serverIgnoringRangeRestartsTheFile() throws {
        let (server, cache) = try Self.setUp()
        defer { server.stop(); try? FileManager.default.removeItem(at: cache) }
        server.ignoresRange = true
        let etag = try #require(server.etag(of: "model.safetensors"))
        let blobs = cache.appendingPathComponent("models--swiftquant-test--wiki260K/blobs")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        try Data(repeating: 7, count: 5000).write(to: blobs.appendingPathComponent("\(etag).incomplete"))
        let snapshot = try HubDownloader(environment: Self.environment(server, cache)).snapshot(try Self.id())
        #expect(try Data(contentsOf: snapshot.appendingPathComponent("model.safetensors"))
                == (try Data(contentsOf: TestAssets.testModel.appendingPathComponent("model.safetensors"))))
    }

    @Test func shardsListedByTheIndexAreFetched() throws {
        let index = #"{"metadata": {"total_size": 8}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}}"#
        let files: [String: Data] = ["config.json": try Data(contentsOf: TestAssets.testModel.appendingPathComponent("config.json")),
                                     "model.safetensors.index.json": Data(index.utf8),
                                     "model-00001-of-00002.safetensors": Data("shard one".utf8),
                                     "model-00002-of-00002.safetensors": Data("shard two".utf8),
                                     "unrelated.bin": Data("not fetched".utf8)]
        let server = try HubTestServer(repo: Self.repo, files: files)
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("swiftquant-hub-\(UUID().uuidString)")
        defer { server.stop(); try? FileManager.default.removeItem(at: cache) }
        let snapshot = try HubDownloader(environment: Self.environment(server, cache)).snapshot(try Self.id())
        #expect(try Data(contentsOf: snapshot.appendingPathComponent("model-00002-of-00002.safetensors")) == Data("shard two".utf8))
        let fetched = Set(server.log.filter { $0.method == "GET" }.map { $0.path.split(separator: "/").last.map(String.init) ?? "" })
        #expect(!fetched.contains("model.safetensors") && !fetched.contains("unrelated.bin"))
        #expect(Self.listing(snapshot) == ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                                           "model.safetensors.index.json"])
        // Offline, every shard the index lists must be cached.
        try FileManager.default.removeItem(at: snapshot.appendingPathComponent("model-00001-of-00002.safetensors"))
        let message = try #require(Self.message {
            _ = try HubDownloader(environment: Self.environment(server, cache, offline: true)).snapshot(try Self.id())
        })
        #expect(message.contains("model-00001-of-00002.safetensors"), "\(message)")
    }

    @Test func concurrentDownloadsShareTheCache() throws {
        let (server, cache) = try Self.setUp()
        defer { server.stop(); try? FileManager.default.removeItem(at: cache) }
        let environment = Self.environment(server, cache)
        let id = try Self.id()
        let results = LockedBox<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            let outcome: String
            do { outcome = try HubDownloader(environment: environment).snapshot(id).path } catch { outcome = "\(error)" }
            results.withLock { $0.append(outcome) }
        }
        let paths = results.withLock { $0 }
        #expect(Set(paths).count == 1, "\(paths)")
        let snapshot = URL(fileURLWithPath: try #require(paths.first))
        #expect(try Data(contentsOf: snapshot.appendingPathComponent("model.safetensors"))
                == (try Data(contentsOf: TestAssets.testModel.appendingPathComponent("model.safetensors"))))
        let blobs = cache.appendingPathComponent("models--swiftquant-test--wiki260K/blobs")
        #expect(!Self.listing(blobs).contains { $0.hasSuffix(".incomplete") })
        #expect(FileManager.default.fileExists(atPath: cache.appendingPathComponent(".locks/models--swiftquant-test--wiki260K").path))
    }

    @Test func gatedRepositoryNamesHFToken() throws {
        let (server, cache) = try Self.setUp()
        defer { server.stop(); try? FileManager.default.removeItem(at: cache) }
        server.requiredToken = "hf_secret"
        let message = try #require(Self.message { _ = try HubDownloader(environment: Self.environment(server, cache)).snapshot(try Self.id()) })
        #expect(message.contains("401") && message.contains("HF_TOKEN") && message.contains(Self.repo), "\(message)")
        #expect(!message.contains("\n"))
        let wrong = try #require(Self.message { _ = try HubDownloader(environment: Self.environment(server, cache, token: "hf_wrong")).snapshot(try Self.id()) })
        #expect(wrong.contains("HF_TOKEN was refused"), "\(wrong)")
        let snapshot = try HubDownloader(environment: Self.environment(server, cache, token: "hf_secret")).snapshot(try Self.id())
        // The token goes to the Hub, never to the CDN host the weights are redirected to.
        let cdn = server.log.filter { $0.path.hasPrefix("/cdn/") }
        #expect(!cdn.isEmpty && cdn.allSatisfy { $0.headers["authorization"] == nil })
        #expect(server.log.filter { $0.path.contains("/resolve/") }.last?.headers["authorization"] == "Bearer hf_secret")
        _ = try ModelDirectory(url: snapshot)
    }

    @Test func missingRepositoryAndFileAreNamed() throws {
        let (server, cache) = try Self.setUp(files: ["config.json", "tokenizer.json"])
        defer { server.stop(); try? FileManager.default.removeItem(at: cache) }
        let repoMessage = try #require(Self.message {
            _ = try HubDownloader(environment: Self.environment(server, cache)).snapshot(try Self.id("nobody/missing-model"))
        })
        #expect(repoMessage.contains("nobody/missing-model") && repoMessage.contains("404") && repoMessage.contains("not found"), "\(repoMessage)")
        let fileMessage = try #require(Self.message { _ = try HubDownloader(environment: Self.environment(server, cache)).snapshot(try Self.id()) })
        #expect(fileMessage.contains(Self.repo) && fileMessage.contains("model.safetensors") && fileMessage.contains("404"), "\(fileMessage)")
        let revisionMessage = try #require(Self.message {
            _ = try HubDownloader(environment: Self.environment(server, cache)).snapshot(try Self.id("\(Self.repo)@v9"))
        })
        #expect(revisionMessage.contains("revision v9"), "\(revisionMessage)")
        for message in [repoMessage, fileMessage, revisionMessage] { #expect(!message.contains("\n")) }
    }

    @Test func wrongChecksumLeavesNoPartialFile() throws {
        let (server, cache) = try Self.setUp()
        defer { server.stop(); try? FileManager.default.removeItem(at: cache) }
        let bogus = String(repeating: "ab", count: 32)
        server.overrideETag("model.safetensors", with: bogus)
        let message = try #require(Self.message { _ = try HubDownloader(environment: Self.environment(server, cache)).snapshot(try Self.id()) })
        #expect(message.contains("model.safetensors") && message.contains(bogus) && message.contains("deleted"), "\(message)")
        #expect(!message.contains("\n"))
        let folder = cache.appendingPathComponent("models--swiftquant-test--wiki260K")
        #expect(!Self.listing(folder).contains { $0.contains(bogus) }, "\(Self.listing(folder))")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("snapshots/\(server.commit)/model.safetensors").path))
        // A small (git) file with a wrong sha1 is refused the same way.
        let (server2, cache2) = try Self.setUp()
        defer { server2.stop(); try? FileManager.default.removeItem(at: cache2) }
        server2.overrideETag("config.json", with: String(repeating: "0", count: 40))
        let small = try #require(Self.message { _ = try HubDownloader(environment: Self.environment(server2, cache2)).snapshot(try Self.id()) })
        #expect(small.contains("config.json") && small.contains("git sha1"), "\(small)")
    }

    @Test func offlineUsesTheCacheOrNamesWhatIsMissing() throws {
        let (server, cache) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: cache) }
        let empty = try #require(Self.message {
            _ = try HubDownloader(environment: Self.environment(server, cache, offline: true)).snapshot(try Self.id())
        })
        #expect(empty.contains("HF_HUB_OFFLINE=1") && empty.contains(Self.repo), "\(empty)")
        #expect(server.log.isEmpty)
        _ = try HubDownloader(environment: Self.environment(server, cache)).snapshot(try Self.id())
        server.stop()
        let snapshot = try HubDownloader(environment: Self.environment(server, cache, offline: true)).snapshot(try Self.id())
        _ = try ModelDirectory(url: snapshot)
        // Online but unreachable: the cache answers too.
        _ = try HubDownloader(environment: Self.environment(server, cache)).snapshot(try Self.id())
        let revision = try #require(Self.message {
            _ = try HubDownloader(environment: Self.environment(server, cache, offline: true)).snapshot(try Self.id("\(Self.repo)@dev"))
        })
        #expect(revision.contains("revision dev"), "\(revision)")
        try FileManager.default.removeItem(at: snapshot.appendingPathComponent("model.safetensors"))
        let file = try #require(Self.message {
            _ = try HubDownloader(environment: Self.environment(server, cache, offline: true)).snapshot(try Self.id())
        })
        #expect(file.contains("model.safetensors") && file.contains(Self.repo), "\(file)")
        for message in [empty, revision, file] { #expect(!message.contains("\n")) }
    }

    @Test func idsAndPaths() throws {
        #expect(HubRepoID(parsing: "HuggingFaceTB/SmolLM2-135M-Instruct") == HubRepoID(repo: "HuggingFaceTB/SmolLM2-135M-Instruct", revision: "main"))
        #expect(HubRepoID(parsing: "org/name@refs/pr/1")?.revision == "refs/pr/1")
        #expect(HubRepoID(parsing: "org/name")?.cacheFolderName == "models--org--name")
        for bad in ["name", "/abs/path", "a/b/c", "org/na--me", "org/-name", "org/name.", "org/na me", "./x", "org/name@", "org/name@../x", ""] {
            #expect(HubRepoID(parsing: bad) == nil, "\(bad)")
        }
        // An existing path stays a path, even of the ORG/NAME form.
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hubid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("org/name"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(ModelLocator.hubID("org/name", relativeTo: root) == nil)
        #expect(ModelLocator.hubID("org/other", relativeTo: root) != nil)
        #expect(ModelLocator.hubID(root.appendingPathComponent("org/name").path) == nil)
    }

    @Test func cacheLocationFollowsHuggingfaceHub() {
        #expect(HubEnvironment(variables: ["HF_HUB_CACHE": "/c", "HF_HOME": "/h"]).cacheDirectory.path == "/c")
        #expect(HubEnvironment(variables: ["HF_HOME": "/h"]).cacheDirectory.path == "/h/hub")
        #expect(HubEnvironment(variables: ["HOME": "/home/u"]).cacheDirectory.path.hasSuffix(".cache/huggingface/hub"))
        #expect(HubEnvironment(variables: ["HF_HUB_OFFLINE": "1"]).offline)
        #expect(HubEnvironment(variables: ["HF_HUB_OFFLINE": "true"]).offline)
        #expect(!HubEnvironment(variables: ["HF_HUB_OFFLINE": "0"]).offline)
        #expect(HubEnvironment(variables: ["HF_ENDPOINT": "http://x:1/"]).endpoint == "http://x:1")
        #expect(HubEnvironment(variables: [:]).endpoint == "https://huggingface.co")
    }

    @Test func checksumsMatchKnownVectors() {
        var empty = SHA256Hasher()
        #expect(empty.finalizeHex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var abc = SHA256Hasher()
        abc.update(Array("abc".utf8))
        #expect(abc.finalizeHex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var long = SHA256Hasher()
        for _ in 0..<1000 { long.update([UInt8](repeating: 0x61, count: 1000)) }
        #expect(long.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        var blob = GitBlobSHA1(blobSize: 6)
        blob.update(Array("hello\n".utf8))
        #expect(blob.finalizeHex() == "ce013625030ba8dba906f756967f9e9ca394464a")
        var emptyBlob = GitBlobSHA1(blobSize: 0)
        #expect(emptyBlob.finalizeHex() == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")
    }
}
