import Foundation
import Testing

/// Every real recipe file of Tests/Fixtures/recipes (copied from llm-compressor's and msModelSlim's
/// public repositories; SOURCES.md names each one's origin) run through `swiftquant quantize` on
/// the test model: each must either produce an output whose quantization_config has the recipe's
/// config groups, or exit non-zero with one line naming a field of the recipe that it refuses.
/// Nothing may be dropped silently.
@Suite("CLI: sweep over real recipe files")
struct RecipeSweepTests {
    static let folder = CLIRunner.packageRoot.appendingPathComponent("Tests/Fixtures/recipes")

    static func recipeFiles() throws -> [URL] {
        var files: [URL] = []
        for sub in ["llm-compressor", "msmodelslim"] {
            let dir = folder.appendingPathComponent(sub)
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                files.append(dir.appendingPathComponent(name))
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    /// The names an error quotes ('…'), each reduced to its last key-path component without `[i]`.
    static func quotedNames(_ line: String) -> [String] {
        let parts = line.split(separator: "'", omittingEmptySubsequences: false)
        return stride(from: 1, to: parts.count, by: 2).map { index in
            let quoted = String(parts[index])
            let last = quoted.split(separator: ".").last.map(String.init) ?? quoted
            return last.split(separator: "[").first.map(String.init) ?? last
        }.filter { !$0.isEmpty }
    }

    enum Outcome: CustomStringConvertible {
        case output(groups: Int)
        case refused(String)
        var description: String {
            switch self {
            case .output(let groups): return "output (\(groups) config group(s))"
            case .refused(let line): return "refused: \(line)"
            }
        }
    }

    @Test func everyRecipeIsRunOrRefusedByName() throws {
        let files = try Self.recipeFiles()
        #expect(files.count >= 40, "the sweep needs the collected recipe files (found \(files.count))")
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = CLIRunner.wiki
        var outcomes: [(String, Outcome)] = []
        var reasons: [String: Int] = [:]
        for (index, file) in files.enumerated() {
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            let out = dir.appendingPathComponent("out\(index)")
            let result = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--output", out.path,
                                            "--recipe", file.path, "--dataset", data, "--samples", "4", "--seqlen", "64"])
            let name = file.lastPathComponent
            #expect(result.status < 128, "\(name): terminated by a signal (\(result.status))")
            if result.status == 0 {
                // The output implements the recipe: a compressed-tensors output has its config groups in
                // quantization_config; an AscendV1 output (config.json without quantization_config, as
                // msModelSlim writes it) describes quantized tensors in quant_model_description.json.
                let description = out.appendingPathComponent("quant_model_description.json")
                var groupCount = 0
                if FileManager.default.fileExists(atPath: description.path) {
                    let object = try JSONSerialization.jsonObject(with: try Data(contentsOf: description)) as? [String: Any]
                    let types = Set((object ?? [:]).compactMap { key, value in key.hasSuffix(".weight") ? value as? String : nil })
                    #expect(!types.subtracting(["FLOAT"]).isEmpty, "\(name): exit 0 without a quantized weight in \(description.lastPathComponent)")
                    groupCount = types.subtracting(["FLOAT"]).count
                } else {
                    let config = try Data(contentsOf: out.appendingPathComponent("config.json"))
                    let object = try JSONSerialization.jsonObject(with: config) as? [String: Any]
                    let quantization = object?["quantization_config"] as? [String: Any]
                    let groups = quantization?["config_groups"] as? [String: Any] ?? [:]
                    // A KV-cache-only recipe quantizes no Linear: its kv_cache_scheme is the output.
                    let kvCache = quantization?["kv_cache_scheme"] as? [String: Any]
                    #expect(!groups.isEmpty || kvCache != nil, "\(name): exit 0 without config groups or kv_cache_scheme")
                    groupCount = groups.count
                }
                #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(".swiftquant-output.json").path))
                outcomes.append((name, .output(groups: groupCount)))
            } else {
                let line = result.errorLine
                #expect(!line.contains("\n"), "\(name): more than one error line: \(line)")
                let named = Self.quotedNames(line).filter { text.contains($0) }
                #expect(!named.isEmpty, "\(name): the error names no field of the recipe: \(line)")
                #expect(!FileManager.default.fileExists(atPath: out.path), "\(name): refused but wrote \(out.path)")
                outcomes.append((name, .refused(line)))
                let reason = line.replacingOccurrences(of: "Error: recipe: ", with: "")
                    .replacingOccurrences(of: "Error: ", with: "")
                    .split(separator: "(").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? line
                reasons[String(reason.prefix(90)), default: 0] += 1
            }
        }
        let produced = outcomes.filter { if case .output = $0.1 { return true } else { return false } }
        print("recipe sweep: \(files.count) files, \(produced.count) produced an output, \(files.count - produced.count) refused by name")
        for (name, outcome) in produced { print("  ran: \(name): \(outcome)") }
        for (reason, count) in reasons.sorted(by: { $0.value > $1.value }) { print("  \(count)× \(reason)") }
        // Leftovers: only the outputs of the recipes that ran.
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(entries.count == produced.count, "temporary or partial directories left: \(entries.filter { $0.hasPrefix(".") })")
    }
}
