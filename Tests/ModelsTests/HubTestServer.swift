import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP/1.1 server on 127.0.0.1 that answers the Hub's resolve endpoints for one
/// repository from in-memory files, the way huggingface.co does: `HEAD/GET /{repo}/resolve/{rev}/{file}`
/// with `X-Repo-Commit`; git files answer 200 with `ETag: "<git sha1>"`; `.safetensors` files (LFS)
/// answer 302 to `localhost/cdn/<sha256>` (another host) with `X-Linked-Etag` and `X-Linked-Size`; the CDN honours `Range`.
/// Checksums come from `sha256sum` and `git hash-object`, not from the code under test.
final class HubTestServer: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
    }

    let repo: String
    let commit = "0123456789abcdef0123456789abcdef01234567"
    private(set) var port: UInt16 = 0
    private let lock = NSLock()
    private var files: [String: Data]
    private var etags: [String: String] = [:]
    private var checksums: [String: String] = [:]
    private var listener: Int32 = -1
    private var requests: [Request] = []
    private var dropAfter: [String: Int] = [:]
    /// Answers every GET whole (200), as a server without Range support does.
    var ignoresRange: Bool {
        get { lock.withLock { _ignoresRange } }
        set { lock.withLock { _ignoresRange = newValue } }
    }
    private var _ignoresRange = false
    /// A token the server requires (401 without it).
    var requiredToken: String? {
        get { lock.withLock { _requiredToken } }
        set { lock.withLock { _requiredToken = newValue } }
    }
    private var _requiredToken: String?

    init(repo: String, files: [String: Data]) throws {
        self.repo = repo
        self.files = files
        for (name, data) in files { etags[name] = try HubTestServer.etag(name: name, data: data) }
        checksums = etags
        try start()
    }

    deinit { stop() }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Every request seen, in order.
    var log: [Request] { lock.withLock { requests } }

    /// The next GET of `file`'s content closes the connection after `bytes` bytes.
    func dropNextDownload(of file: String, after bytes: Int) { lock.withLock { dropAfter[file] = bytes } }

    /// Advertises `etag` for `file` instead of its real checksum.
    func overrideETag(_ file: String, with etag: String) { lock.withLock { etags[file] = etag } }

    func etag(of file: String) -> String? { lock.withLock { etags[file] } }

    func stop() {
        let fd = lock.withLock { () -> Int32 in let fd = listener; listener = -1; return fd }
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    static func isLFS(_ name: String) -> Bool { name.hasSuffix(".safetensors") }

    /// sha256sum for LFS files, `git hash-object` for the others.
    static func etag(name: String, data: Data) throws -> String {
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("hubserver-\(UUID().uuidString)")
        try data.write(to: temporary)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = isLFS(name) ? ["sha256sum", temporary.path] : ["git", "hash-object", temporary.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).split(separator: " ").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
    }

    private func start() throws {
        // A client that hangs up mid-body must not kill the test process.
        signal(SIGPIPE, SIG_IGN)
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        listener = fd
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.start()
    }

    private func acceptLoop(_ fd: Int32) {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            let thread = Thread { [self] in serve(client); close(client) }
            thread.start()
        }
    }

    private func serve(_ client: Int32) {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !buffer.containsHeaderEnd {
            let count = read(client, &chunk, chunk.count)
            if count <= 0 { return }
            buffer.append(contentsOf: chunk[0..<count])
        }
        let text = String(decoding: buffer, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let request = Request(method: String(parts[0]), path: String(parts[1]), headers: headers)
        lock.withLock { requests.append(request) }
        respond(to: request, client: client)
    }

    private func respond(to request: Request, client: Int32) {
        let head = request.method == "HEAD"
        let path = request.path.removingPercentEncoding ?? request.path
        if path.hasPrefix("/cdn/") {
            let sha = String(path.dropFirst(5))
            let entry = lock.withLock { files.first { HubTestServer.isLFS($0.key) && checksums[$0.key] == sha } }
            guard let (name, data) = entry else { return send(client, 404, [:], Data(), head: head) }
            return sendContent(client, name: name, data: data, request: request, extra: [:])
        }
        let prefix = "/\(repo)/resolve/"
        guard path.hasPrefix(prefix) else {
            return send(client, 404, ["X-Error-Code": "RepoNotFound"], Data("Repository not found".utf8), head: head)
        }
        if let token = requiredToken, request.headers["authorization"] != "Bearer \(token)" {
            return send(client, 401, ["X-Error-Code": "GatedRepo"], Data("Access to this model is restricted".utf8), head: head)
        }
        let rest = path.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: "/") else { return send(client, 404, [:], Data(), head: head) }
        let revision = String(rest[..<slash])
        let name = String(rest[rest.index(after: slash)...])
        guard revision == "main" || revision == commit else {
            return send(client, 404, ["X-Error-Code": "RevisionNotFound"], Data("Revision not found".utf8), head: head)
        }
        let (data, etag) = lock.withLock { (files[name], etags[name]) }
        guard let data, let etag else {
            return send(client, 404, ["X-Error-Code": "EntryNotFound", "X-Repo-Commit": commit], Data("Entry not found".utf8), head: head)
        }
        if HubTestServer.isLFS(name) {
            let real = lock.withLock { checksums[name] ?? etag }
            // The CDN is another host name, as on the Hub: a client stops at this response.
            return send(client, 302, ["Location": "http://localhost:\(port)/cdn/\(real)", "X-Repo-Commit": commit,
                                      "X-Linked-Etag": "\"\(etag)\"", "X-Linked-Size": "\(data.count)",
                                      "ETag": "\"git-pointer-etag\""], Data(), head: head)
        }
        sendContent(client, name: name, data: data, request: request, extra: ["X-Repo-Commit": commit, "ETag": "\"\(etag)\""])
    }

    private func sendContent(_ client: Int32, name: String, data: Data, request: Request, extra: [String: String]) {
        var start = 0
        var status = 200
        var headers = extra
        if !ignoresRange, let range = request.headers["range"], range.hasPrefix("bytes="), range.hasSuffix("-"),
           let offset = Int(range.dropFirst(6).dropLast()) {
            guard offset < data.count else {
                return send(client, 416, ["Content-Range": "bytes */\(data.count)"], Data(), head: request.method == "HEAD")
            }
            start = offset
            status = 206
            headers["Content-Range"] = "bytes \(offset)-\(data.count - 1)/\(data.count)"
        }
        let body = data.subdata(in: start..<data.count)
        let drop = request.method == "GET" ? lock.withLock { dropAfter.removeValue(forKey: name) } : nil
        send(client, status, headers, body, head: request.method == "HEAD", truncateAfter: drop)
    }

    private func send(_ client: Int32, _ status: Int, _ headers: [String: String], _ body: Data, head: Bool, truncateAfter: Int? = nil) {
        let reasons = [200: "OK", 206: "Partial Content", 302: "Found", 401: "Unauthorized", 404: "Not Found", 416: "Range Not Satisfiable"]
        var text = "HTTP/1.1 \(status) \(reasons[status] ?? "Status")\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (key, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(key): \(value)\r\n" }
        text += "\r\n"
        var bytes = Data(text.utf8)
        if !head { bytes.append(truncateAfter.map { body.prefix($0) } ?? body) }
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var sent = 0
            while sent < raw.count {
                let count = write(client, base + sent, raw.count - sent)
                if count <= 0 { return }
                sent += count
            }
        }
    }
}

private extension Array where Element == UInt8 {
    var containsHeaderEnd: Bool {
        guard count >= 4 else { return false }
        for index in 0...(count - 4) where self[index] == 13 && self[index + 1] == 10 && self[index + 2] == 13 && self[index + 3] == 10 {
            return true
        }
        return false
    }
}
