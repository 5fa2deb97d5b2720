import Foundation
import TestAssets
import Testing

/// Drives `swiftquant quantize` through generated combinations of output paths (the model itself,
/// inside it, its parent, symlinks to either, `.`, `..`, home, a foreign directory, a previous
/// output, new and nested paths, an empty directory, a dangling link) × model paths (the
/// directory or a link to it) × `--overwrite` × SIGINT at a random moment (in the first 30 ms, or
/// up to 3 ms after the temporary output appeared), and checks after
/// every run that each file outside the intended output is unchanged (the bytes themselves are
/// compared, which is stricter than comparing hashes) and that nothing else was left behind.
@Suite("CLI: no run touches anything outside its output")
struct OutputSafetyPropertyTests {
    /// A small deterministic generator (SplitMix64), so a failure can be replayed from its seed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Every regular file and symlink under `root` (not following links), with its contents
    /// (a link's destination), excluding the subtree `excluded`.
    static func snapshot(_ root: URL, excluding excluded: String?) throws -> [String: Data] {
        var result: [String: Data] = [:]
        func walk(_ path: String) throws {
            for name in try FileManager.default.contentsOfDirectory(atPath: path) {
                let child = path + "/" + name
                if let excluded, child == excluded || child.hasPrefix(excluded + "/") { continue }
                var info = stat()
                guard lstat(child, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    result[child + "/"] = Data()
                    try walk(child)
                case S_IFLNK:
                    result[child] = Data(((try? FileManager.default.destinationOfSymbolicLink(atPath: child)) ?? "?").utf8)
                default:
                    result[child] = FileManager.default.contents(atPath: child) ?? Data("unreadable".utf8)
                }
            }
        }
        try walk(root.path)
        return result
    }

    /// The sandbox: a working directory holding the model, a foreign directory, a previous output,
    /// an empty directory and links; HOME points inside the sandbox.
    struct Sandbox {
        let root: URL
        var work: URL { root.appendingPathComponent("work") }
        var home: URL { root.appendingPathComponent("home") }
    }

    static func makeSandbox() throws -> Sandbox {
        let fm = FileManager.default
        let root = try CLIRunner.temporaryDirectory()
        let box = Sandbox(root: URL(fileURLWithPath: OutputTargetPaths.canonical(root.path)))
        try fm.createDirectory(at: box.work, withIntermediateDirectories: true)
        try fm.createDirectory(at: box.home, withIntermediateDirectories: true)
        try Data("the user's own notes".utf8).write(to: box.home.appendingPathComponent("notes.txt"))
        let model = box.work.appendingPathComponent("model")
        try fm.copyItem(at: TestAssets.testModel, to: model)
        for name in try fm.contentsOfDirectory(atPath: model.path) {
            try? fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: model.appendingPathComponent(name).path)
        }
        try Data("downloaded with the model".utf8).write(to: model.appendingPathComponent("README.md"))
        let foreign = box.work.appendingPathComponent("foreign")
        try fm.createDirectory(at: foreign, withIntermediateDirectories: false)
        try Data("someone's work".utf8).write(to: foreign.appendingPathComponent("a.txt"))
        try Data("unrelated".utf8).write(to: box.work.appendingPathComponent("unrelated.txt"))
        try fm.createSymbolicLink(atPath: box.work.appendingPathComponent("modellink").path, withDestinationPath: "model")
        try fm.createSymbolicLink(atPath: box.work.appendingPathComponent("worklink").path, withDestinationPath: ".")
        try fm.createSymbolicLink(atPath: box.work.appendingPathComponent("dangling").path, withDestinationPath: "nowhere")
        return box
    }

    /// Output paths as given on the command line, and whether SwiftQuant may write there.
    enum Kind { case refused, fresh, empty, previous }
    static let outputs: [(path: String, kind: Kind)] = [
        ("model", .refused), ("model/sub", .refused), ("modellink", .refused), ("modellink/x", .refused),
        (".", .refused), ("..", .refused), ("worklink", .refused), ("HOME", .refused), ("foreign", .refused),
        ("dangling", .refused), ("unrelated.txt", .refused), ("unrelated.txt/out", .refused),
        ("prev", .previous), ("new", .fresh), ("new/deep/out", .fresh), ("empty", .empty), ("worklink/new2", .fresh),
    ]

    @Test func generatedCases() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["SWIFTQUANT_PROPERTY_SEED"] ?? "") ?? 20261202
        var rng = SplitMix(state: seed)
        let box = try Self.makeSandbox()
        defer { try? FileManager.default.removeItem(at: box.root) }
        let fm = FileManager.default
        let executable = try CLIRunner.executable()
        var cases = 0, interrupted = 0, written = 0
        var interruptOutcomes: [String: Int] = [:]
        /// Runs the CLI; with `delay`, sends SIGINT `delay` µs after start, or — when `watch` is
        /// given — `delay` µs after the temporary output appears beside `watch` (mid-write).
        func run(_ arguments: [String], interruptAfter delay: UInt32?, watch: String? = nil) throws -> (Int32, Bool) {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            process.currentDirectoryURL = box.work
            var environment = ProcessInfo.processInfo.environment
            environment["HOME"] = box.home.path
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            let err = Pipe()
            process.standardError = err
            try process.run()
            if let delay {
                if let watch {
                    let parent = (watch as NSString).deletingLastPathComponent
                    let prefix = "." + (watch as NSString).lastPathComponent + ".tmp-"
                    for _ in 0..<4000 where process.isRunning {
                        if (try? fm.contentsOfDirectory(atPath: parent))?.contains(where: { $0.hasPrefix(prefix) }) == true { break }
                        usleep(500)
                    }
                }
                usleep(delay)
                process.interrupt()
            }
            _ = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, process.terminationReason == .uncaughtSignal)
        }
        // The previous output, written once by SwiftQuant itself.
        #expect(try run(["quantize", "--model", "model", "--output", "prev", "--scheme", "W8A8"], interruptAfter: nil).0 == 0)
        try fm.createDirectory(at: box.work.appendingPathComponent("empty"), withIntermediateDirectories: false)

        while cases < 220 {
            let output = Self.outputs[Int.random(in: 0..<Self.outputs.count, using: &rng)]
            let outputPath = output.path == "HOME" ? box.home.path : output.path
            let modelPath = Bool.random(using: &rng) ? "model" : "modellink"
            let overwrite = Bool.random(using: &rng)
            let interrupt: UInt32? = Int.random(in: 0..<4, using: &rng) == 0 ? UInt32.random(in: 0...30_000, using: &rng) : nil
            // Half of the interrupts of writable cases wait for the temporary output to appear.
            let midWrite = interrupt != nil && Bool.random(using: &rng)
            // The directory the run may write: only for writable kinds.
            let intended: String? = {
                switch output.kind {
                case .refused: return nil
                case .previous where !overwrite: return nil
                default: return OutputTargetPaths.canonical(box.work.appendingPathComponent(outputPath).path)
                }
            }()
            let before = try Self.snapshot(box.root, excluding: intended)
            var arguments = ["quantize", "--model", modelPath, "--output", outputPath, "--scheme", "W8A8"]
            if overwrite { arguments.append("--overwrite") }
            let watched = midWrite ? intended : nil
            let (status, killed) = try run(arguments, interruptAfter: watched != nil ? interrupt.map { $0 % 3000 } : interrupt,
                                           watch: watched)
            let after = try Self.snapshot(box.root, excluding: intended)
            let label = "case \(cases) (seed \(seed)): --model \(modelPath) --output \(output.path)\(overwrite ? " --overwrite" : "")\(interrupt.map { " SIGINT after \($0) µs" } ?? "")"
            // Missing parents of the intended output are created for it (and are not a change).
            let createdParents = Set(after.keys).subtracting(before.keys).filter { key in
                guard let intended, key.hasSuffix("/") else { return false }
                return intended.hasPrefix(key)
            }
            let changed = Set(before.keys).symmetricDifference(after.keys).subtracting(createdParents)
                .union(before.keys.filter { after[$0] != nil && after[$0] != before[$0] })
            #expect(changed.isEmpty, "\(label): changed outside the output: \(changed.sorted().prefix(5))")
            if interrupt == nil {
                #expect(!killed, "\(label): terminated by a signal")
                let expectedSuccess = intended != nil
                #expect((status == 0) == expectedSuccess, "\(label): exit \(status)")
            } else {
                interrupted += 1
                interruptOutcomes[killed ? "killed before the handler" : "exit \(status)", default: 0] += 1
                #expect(killed || status == 0 || status == 1 || status == 130, "\(label): exit \(status)")
            }
            if let intended, fm.fileExists(atPath: intended + "/.swiftquant-output.json") { written += 1 }
            // Reset what the run may have written, so the next case starts from the same sandbox.
            switch output.kind {
            case .fresh:
                if let intended {
                    try? fm.removeItem(atPath: intended)
                    if output.path == "new/deep/out" { try? fm.removeItem(at: box.work.appendingPathComponent("new")) }
                }
            case .empty:
                if let intended { try? fm.removeItem(atPath: intended); try fm.createDirectory(atPath: intended, withIntermediateDirectories: false) }
            case .previous, .refused:
                break
            }
            cases += 1
        }
        let outcomes = interruptOutcomes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        print("output safety: \(cases) generated cases (seed \(seed)), \(interrupted) interrupted (\(outcomes)), \(written) wrote an output")
        #expect(written > 20, "too few cases wrote an output to exercise replacement")
    }
}

/// Path canonicalisation for the test (symlinks of existing ancestors resolved).
enum OutputTargetPaths {
    static func canonical(_ path: String) -> String {
        var head = URL(fileURLWithPath: path).standardizedFileURL.path
        var tail: [String] = []
        while true {
            if let resolved = realpath(head, nil) {
                defer { free(resolved) }
                var result = String(cString: resolved)
                for component in tail.reversed() { result += (result.hasSuffix("/") ? "" : "/") + component }
                return result
            }
            let url = URL(fileURLWithPath: head)
            let parent = url.deletingLastPathComponent().path
            if parent == head { return head }
            tail.append(url.lastPathComponent)
            head = parent
        }
    }
}
