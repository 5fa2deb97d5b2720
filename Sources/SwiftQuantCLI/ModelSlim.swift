import ArgumentParser
import Foundation
import Models

/// `swiftquant modelslim …`: msModelSlim's own command lines, run by SwiftQuant on the CPU.
struct ModelSlim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modelslim",
        abstract: "msModelSlim's command lines: 'quant' (msmodelslim quant) and 'qwen' (example/Qwen/quant_qwen.py).",
        subcommands: [ModelSlimQuant.self, ModelSlimQwen.self]
    )
}

/// Shared pieces of the msModelSlim command lines.
enum ModelSlimCLI {
    /// msModelSlim's boolean flags: True/False (cmd_bool also takes true/false, 1/0).
    static func bool(_ text: String, flag: String) throws -> Bool {
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw CLIError("\(flag) must be True or False, got '\(text)'")
        }
    }

    /// `--device` / `--device_type`: SwiftQuant runs on the CPU only.
    static func checkDevice(_ device: String, flag: String) throws {
        guard device == "cpu" else {
            throw CLIError("\(flag) \(device): SwiftQuant runs on the CPU only (\(flag) cpu); there is no NPU support")
        }
    }

    /// An input path that must exist and be readable: a directory or a regular file.
    static func checkInput(_ path: String, flag: String, directory: Bool) throws {
        guard !path.isEmpty else { throw CLIError("\(flag) is empty") }
        // A Hub id (ORG/NAME[@REVISION], not an existing path) is resolved by the quantize run.
        if directory, ModelLocator.hubID(path) != nil { return }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CLIError("\(flag) \(path) does not exist")
        }
        if directory {
            guard isDirectory.boolValue else { throw CLIError("\(flag) \(path) is not a directory") }
        } else {
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                throw CLIError("\(flag) \(path) is not a regular file")
            }
        }
        guard FileManager.default.isReadableFile(atPath: path) else { throw CLIError("\(flag) \(path) is not readable") }
    }

    /// Runs `swiftquant quantize` with `arguments`, naming msModelSlim's flags in its messages.
    static func quantize(_ arguments: [String], names: [String: String]) throws {
        do {
            let command = try Quantize.parse(arguments)
            try command.run()
        } catch {
            var text = error is CLIError ? "\(error)" : (Quantize.message(for: error).components(separatedBy: .newlines).first ?? "\(error)")
            // Longest first, so --output-… variants are not half-replaced.
            for (ours, theirs) in names.sorted(by: { $0.key.count > $1.key.count }) {
                text = text.replacingOccurrences(of: ours + " ", with: theirs + " ")
                text = text.replacingOccurrences(of: ours + ":", with: theirs + ":")
            }
            throw CLIError(text)
        }
    }

    /// A private temporary directory for generated recipes and calibration files; removed by `body`'s caller.
    static func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftquant-modelslim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url)
    }
}
