import Foundation
import JSON
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Resolves a Hub model id to a snapshot directory of the Hugging Face cache, downloading only the
/// files a checkpoint needs (config.json, the safetensors weights, tokenizer and generation files)
/// from `HF_ENDPOINT/{repo}/resolve/{revision}/{file}` into the cache layout huggingface_hub
/// writes. Offline (`HF_HUB_OFFLINE=1`) the cache alone answers.
///
/// Downloads resume from `blobs/<etag>.incomplete` with a Range request and are checked against
/// the ETag (sha256 for LFS files, the git blob sha1 otherwise) before they become a blob.
public struct HubDownloader: Sendable {
    /// Cache location, endpoint, token, offline mode.
    public let environment: HubEnvironment

    /// Files fetched when the Hub has them.
    public static let optionalFiles = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                       "generation_config.json", "chat_template.jinja"]

    /// Attempts per file before a dropped download is reported (each resumes the last).
    static let maxAttempts = 5

    /// A downloader for `environment`.
    public init(environment: HubEnvironment) {
        self.environment = environment
    }

    /// The snapshot directory of `id`, complete with config.json and its weights.
    public func snapshot(_ id: HubRepoID) throws(HubError) -> URL {
        let cache = HubCache(id: id, cacheDirectory: environment.cacheDirectory)
        if environment.offline { return try offlineSnapshot(cache) }
        let commit: String
        do throws(HubError) {
            guard let found = try fetch("config.json", revision: id.revision, cache: cache, required: true) else {
                throw HubError("\(id): config.json not found")
            }
            commit = found
        } catch {
            // Unreachable Hub: a cached snapshot answers, as huggingface_hub falls back to the cache.
            if error.unreachable, let directory = try? offlineSnapshot(cache) { return directory }
            throw error
        }
        try cache.writeRef(id.revision, commit: commit)
        HubCache.tagCacheDirectory(environment.cacheDirectory)
        if try fetch("model.safetensors.index.json", revision: commit, cache: cache, required: false) != nil {
            for shard in try shards(of: cache.snapshot(commit).appendingPathComponent("model.safetensors.index.json"), id: id) {
                _ = try fetch(shard, revision: commit, cache: cache, required: true)
            }
        } else {
            _ = try fetch("model.safetensors", revision: commit, cache: cache, required: true)
        }
        for file in HubDownloader.optionalFiles {
            _ = try fetch(file, revision: commit, cache: cache, required: false)
        }
        return cache.snapshot(commit)
    }

    /// The cached snapshot of `cache.id`, or one line naming what is missing.
    public func offlineSnapshot(_ cache: HubCache) throws(HubError) -> URL {
        let id = cache.id
        let hint = "run once without HF_HUB_OFFLINE=1 (cache: \(environment.cacheDirectory.path))"
        guard FileManager.default.fileExists(atPath: cache.repoFolder.path) else {
            throw HubError("HF_HUB_OFFLINE=1: \(id.repo) is not in the Hugging Face cache (no \(cache.repoFolder.path)); \(hint)")
        }
        guard let commit = cache.cachedCommit(for: id.revision) else {
            throw HubError("HF_HUB_OFFLINE=1: \(id.repo) revision \(id.revision) is not in the Hugging Face cache (no \(cache.ref(id.revision).path)); \(hint)")
        }
        func require(_ file: String) throws(HubError) {
            guard cache.hasFile(file, commit: commit) else {
                throw HubError("HF_HUB_OFFLINE=1: \(id) is missing \(file) in the Hugging Face cache (snapshot \(commit)); \(hint)")
            }
        }
        try require("config.json")
        let index = "model.safetensors.index.json"
        if cache.hasFile(index, commit: commit) {
            for shard in try shards(of: cache.snapshot(commit).appendingPathComponent(index), id: id) { try require(shard) }
        } else {
            try require("model.safetensors")
        }
        return cache.snapshot(commit)
    }

    /// The distinct shard files of an index's `weight_map`, in first-appearance order.
    func shards(of index: URL, id: HubRepoID) throws(HubError) -> [String] {
        guard let data = FileManager.default.contents(atPath: index.path) else {
            throw HubError("\(id): cannot read \(index.path)")
        }
        let root: JSONValue
        do { root = try JSONParser.parse(data) } catch {
            throw HubError("\(id): model.safetensors.index.json: \(error)")
        }
        guard let map = root["weight_map"]?.objectValue else {
            throw HubError("\(id): model.safetensors.index.json has no \"weight_map\" object")
        }
        var seen = Set<String>()
        var files: [String] = []
        for member in map {
            guard let file = member.value.stringValue else {
                throw HubError("\(id): model.safetensors.index.json maps \(member.key) to a \(member.value.kindName), expected a file name")
            }
            guard !file.hasPrefix("/"), !file.split(separator: "/").contains("..") else {
                throw HubError("\(id): model.safetensors.index.json names shard \(file) outside the repository")
            }
            if seen.insert(file).inserted { files.append(file) }
        }
        return files
    }

    /// Brings `file` at `revision` into the cache; answers the commit, or nil when the Hub has no
    /// such file and it is optional.
    func fetch(_ file: String, revision: String, cache: HubCache, required: Bool) throws(HubError) -> String? {
        let id = cache.id
        if HubRepoID.isCommitHash(revision) {
            if cache.hasFile(file, commit: revision) { return revision }
            if !required, cache.isKnownMissing(file, commit: revision) { return nil }
        }
        let url = try resolveURL(repo: id.repo, revision: revision, file: file)
        var head = request(url)
        head.httpMethod = "HEAD"
        var response = try send(head, file: file, id: id)
        var hops = 0
        // A redirect on the same host (a renamed repository) is followed, as huggingface_hub does;
        // one to another host is the CDN, and this response carries the file's metadata.
        while (301...308).contains(response.status), let location = response.header("Location"), hops < 5,
              let next = URL(string: location, relativeTo: head.url)?.absoluteURL,
              next.host?.lowercased() == head.url?.host?.lowercased() {
            head.url = next
            response = try send(head, file: file, id: id)
            hops += 1
        }
        if response.status == 404, !required, response.header("X-Error-Code") != "RepoNotFound",
           response.header("X-Error-Code") != "RevisionNotFound" {
            if let commit = response.header("X-Repo-Commit"), !commit.isEmpty { try? cache.markMissing(file, commit: commit) }
            return nil
        }
        try check(response, file: file, id: id)
        guard let commit = response.header("X-Repo-Commit"), !commit.isEmpty, !commit.contains("/") else {
            throw HubError("\(id): \(environment.endpoint) sent no X-Repo-Commit header for \(file) (is HF_ENDPOINT a Hugging Face Hub?)")
        }
        guard let etag = (response.header("X-Linked-Etag") ?? response.header("ETag")).map(HubDownloader.normalizeETag),
              !etag.isEmpty, !etag.contains("/") else {
            throw HubError("\(id): \(environment.endpoint) sent no ETag header for \(file)")
        }
        let size = (response.header("X-Linked-Size") ?? response.header("Content-Length")).flatMap { Int64($0) }
        let blob = cache.blob(etag)
        if !FileManager.default.fileExists(atPath: blob.path) {
            try cache.withBlobLock(etag) { () throws(HubError) in
                // Another process may have finished it while we waited.
                guard !FileManager.default.fileExists(atPath: blob.path) else { return }
                try cache.createDirectory(blob.deletingLastPathComponent())
                try download(url, to: blob, etag: etag, size: size, file: file, id: id)
            }
        }
        try cache.link(file, commit: commit, etag: etag)
        return commit
    }

    /// `"abc"` / `W/"abc"` → `abc`.
    static func normalizeETag(_ value: String) -> String {
        var text = Substring(value.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("W/") { text = text.dropFirst(2) }
        return String(text).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    func resolveURL(repo: String, revision: String, file: String) throws(HubError) -> URL {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#[]@!$&'()*+,;=")
        let quotedRevision = revision.addingPercentEncoding(withAllowedCharacters: allowed) ?? revision
        let quotedFile = file.split(separator: "/").map { String($0).addingPercentEncoding(withAllowedCharacters: allowed) ?? String($0) }
            .joined(separator: "/")
        guard let url = URL(string: "\(environment.endpoint)/\(repo)/resolve/\(quotedRevision)/\(quotedFile)") else {
            throw HubError("HF_ENDPOINT \(environment.endpoint) does not make a valid URL for \(repo)/\(file)")
        }
        return url
    }

    func request(_ url: URL) -> URLRequest {
        var request = URLRequest(url: url)
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        request.setValue("swiftquant", forHTTPHeaderField: "User-Agent")
        if let token = environment.token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        return request
    }

    private func send(_ request: URLRequest, file: String, id: HubRepoID) throws(HubError) -> HubHTTPResponse {
        let outcome = HubTransfer.run(request, followRedirects: false)
        if let response = outcome.response { return response }
        throw HubError("\(id): cannot reach \(environment.endpoint) for \(file): \(outcome.transportError ?? "no response")", unreachable: true)
    }

    /// A one-line error for a 4xx/5xx answer.
    private func check(_ response: HubHTTPResponse, file: String, id: HubRepoID) throws(HubError) {
        switch response.status {
        case 200..<400: return
        case 401:
            throw HubError(environment.token == nil
                ? "\(id.repo): 401 Unauthorized for \(file): the repository is gated or private; set HF_TOKEN to a token with access"
                : "\(id.repo): 401 Unauthorized for \(file): HF_TOKEN was refused (is it valid for \(environment.endpoint)?)")
        case 403:
            throw HubError("\(id.repo): 403 Forbidden for \(file): HF_TOKEN has no access (a gated repository needs its conditions accepted on the Hub)")
        case 404:
            switch response.header("X-Error-Code") {
            case "RepoNotFound": throw HubError("\(id.repo): repository not found on \(environment.endpoint) (404; a private one needs HF_TOKEN)")
            case "RevisionNotFound": throw HubError("\(id.repo): revision \(id.revision) not found on \(environment.endpoint) (404)")
            default: throw HubError("\(id): \(file) not found on \(environment.endpoint) (404)")
            }
        default:
            throw HubError("\(id): HTTP \(response.status) from \(environment.endpoint) for \(file)")
        }
    }

    /// Downloads `url` into `blob` through `blob.incomplete`, resuming what an earlier attempt left.
    private func download(_ url: URL, to blob: URL, etag: String, size: Int64?, file: String, id: HubRepoID) throws(HubError) {
        let partial = URL(fileURLWithPath: blob.path + ".incomplete")
        let progress = HubProgressBar(label: file, total: size, already: HubDownloader.fileSize(partial),
                                      enabled: environment.showProgress && (size ?? .max) >= 1_000_000)
        var attempt = 0
        var lastProblem = ""
        while true {
            var offset = HubDownloader.fileSize(partial)
            if let size, offset > size {
                try? FileManager.default.removeItem(at: partial)
                offset = 0
            }
            if let size, offset == size, size > 0 || FileManager.default.fileExists(atPath: partial.path) { break }
            if attempt == HubDownloader.maxAttempts {
                progress.finish()
                throw HubError("\(id): download of \(file) failed after \(attempt) attempts (\(lastProblem)); run again to resume from \(partial.path)")
            }
            attempt += 1
            if !FileManager.default.fileExists(atPath: partial.path) {
                guard FileManager.default.createFile(atPath: partial.path, contents: nil) else {
                    throw HubError("cannot create \(partial.path)")
                }
            }
            let handle: FileHandle
            do { handle = try FileHandle(forWritingTo: partial) } catch {
                throw HubError("cannot open \(partial.path): \(error.localizedDescription)")
            }
            var request = self.request(url)
            if offset > 0 { request.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
            let writer = HubBlobWriter(handle: handle, offset: offset, progress: progress)
            let outcome = HubTransfer.run(request, followRedirects: true) { status, data in try writer.write(status: status, data) }
            try? handle.close()
            if let error = outcome.sinkError {
                throw HubError("cannot write \(partial.path): \(error.localizedDescription)")
            }
            if let response = outcome.response {
                if response.status == 416 {
                    // Nothing past our offset: either complete or the partial file is wrong.
                    if size == nil || offset != size { try? FileManager.default.removeItem(at: partial) }
                    lastProblem = "416 Range Not Satisfiable"
                    continue
                }
                if response.status >= 400 {
                    try check(response, file: file, id: id)
                }
            }
            if let transportError = outcome.transportError {
                lastProblem = transportError
                continue
            }
            guard outcome.response != nil else { lastProblem = "no response"; continue }
            if size == nil { break }
            let got = HubDownloader.fileSize(partial)
            if got == size { break }
            lastProblem = "connection closed at \(got) of \(size ?? 0) bytes"
        }
        progress.finish()
        try verify(partial, etag: etag, file: file, id: id)
        do { try FileManager.default.moveItem(at: partial, to: blob) } catch {
            if !FileManager.default.fileExists(atPath: blob.path) {
                throw HubError("cannot move \(partial.path) to \(blob.path): \(error.localizedDescription)")
            }
            try? FileManager.default.removeItem(at: partial)
        }
    }

    /// Checks a finished download against its ETag (64 hex: sha256; 40 hex: git blob sha1); a
    /// mismatch deletes it.
    private func verify(_ partial: URL, etag: String, file: String, id: HubRepoID) throws(HubError) {
        let isHex = etag.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
        guard isHex, etag.utf8.count == 64 || etag.utf8.count == 40 else { return }
        let digest: String
        do { digest = try HubDownloader.digest(of: partial, sha256: etag.utf8.count == 64) } catch {
            throw HubError("cannot read \(partial.path): \(error.localizedDescription)")
        }
        guard digest == etag else {
            try? FileManager.default.removeItem(at: partial)
            throw HubError("\(id): \(file) is corrupt: its \(etag.utf8.count == 64 ? "sha256" : "git sha1") is \(digest), the Hub's ETag says \(etag); the partial download was deleted")
        }
    }

    static func digest(of url: URL, sha256: Bool) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var sha = SHA256Hasher()
        var git = GitBlobSHA1(blobSize: UInt64(fileSize(url)))
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
            if sha256 { sha.update(chunk) } else { git.update(chunk) }
        }
        return sha256 ? sha.finalizeHex() : git.finalizeHex()
    }

    static func fileSize(_ url: URL) -> Int64 {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return 0 }
        return Int64(info.st_size)
    }
}
