import ArgumentParser
import Foundation
import JSON
import Recipes

/// `swiftquant modelslim qwen`: msModelSlim's example/Qwen/quant_qwen.py, with its flags, run as a
/// modelslim_v1 recipe (written beside the output as default_best_practice.yaml).
struct ModelSlimQwen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qwen",
        abstract: "msModelSlim's quant_qwen.py: W8A8 / W8A16 with anti-outlier methods, layer fallback and a C8 KV cache, saved as AscendV1.")

    @Option(name: .customLong("model_path"), help: "The checkpoint folder (Qwen2/2.5 layout, or any Llama-family model), or a Hub id ORG/NAME[@REVISION] (the Hugging Face cache).")
    var modelPath: String

    @Option(name: .customLong("save_directory"), help: "Where the AscendV1 checkpoint is written (a new or empty directory).")
    var saveDirectory: String

    @Option(name: .customLong("w_bit"), help: "Weight bits: 8 (or 4 with --a_bit 16).")
    var wBit: Int = 8

    @Option(name: .customLong("a_bit"), help: "Activation bits: 8 (static per-tensor int8) or 16 (weights only).")
    var aBit: Int = 8

    @Option(name: .customLong("w_sym"), help: "True (symmetric weights, default) or False.")
    var wSym: String = "True"

    @Option(name: .customLong("anti_method"), help: "Outlier suppression: '' (none), m1 (SmoothQuant), m2 (outlier suppression+), m3 (AWQ), m4 (iterative smoothing).")
    var antiMethod: String = ""

    @Option(name: .customLong("calib_file"), help: "Calibration data (.jsonl; the text is inputs_pretokenized, as msModelSlim reads it).")
    var calibFile: String?

    @Option(name: .customLong("calib_texts"), parsing: .upToNextOption, help: "Calibration texts given inline (instead of --calib_file).")
    var calibTexts: [String] = []

    @Option(name: .customLong("disable_names"), parsing: .upToNextOption, help: "Linears kept in float (module paths). Default for W8A8: every layer's mlp.down_proj, as quant_qwen.py does.")
    var disableNames: [String] = []

    @Option(name: .customLong("disable_level"), help: "Automatic fallback: keep the k highest-scoring Linear groups in float (Lk; L0 = none).")
    var disableLevel: String = "L0"

    @Option(name: .customLong("disable_threshold"), help: "Automatic fallback: keep every Linear whose score exceeds this in float (0 = off).")
    var disableThreshold: Double = 0

    @Option(name: .customLong("use_kvcache_quant"), help: "True: quantize the KV cache (C8, int8 per channel).")
    var useKVCacheQuant: String = "False"

    @Option(name: .customLong("part_file_size"), help: "Shard size in GB (default: one file).")
    var partFileSize: Int?

    @Option(name: .customLong("device_type"), help: "cpu (SwiftQuant has no NPU support).")
    var deviceType: String = "cpu"

    @Option(name: .customLong("model_type"), help: "qwen2 or qwen2.5 (default qwen2); qwen1 and qwen1.5 are not supported.")
    var modelType: String = "qwen2"

    @Option(name: .customLong("trust_remote_code"), help: "True or False: SwiftQuant never runs model code, so True changes nothing.")
    var trustRemoteCode: String = "False"

    func validate() throws {
        guard [(8, 8), (8, 16), (4, 16)].contains(where: { $0 == (wBit, aBit) }) else {
            throw CLIError("--w_bit \(wBit) --a_bit \(aBit) is not supported yet (supported: W8A8, W8A16, W4A16)")
        }
        _ = try ModelSlimCLI.bool(wSym, flag: "--w_sym")
        _ = try ModelSlimCLI.bool(useKVCacheQuant, flag: "--use_kvcache_quant")
        _ = try ModelSlimCLI.bool(trustRemoteCode, flag: "--trust_remote_code")
        _ = try ModelSlimAntiMethod(flag: antiMethod)
        try ModelSlimCLI.checkDevice(deviceType, flag: "--device_type")
        guard ["qwen2", "qwen2.5"].contains(modelType) else {
            if ["qwen1", "qwen1.5"].contains(modelType) {
                throw CLIError("--model_type \(modelType) (the QWen v1 layout, transformer.h.N) is not supported: SwiftQuant reads Qwen2-layout checkpoints")
            }
            throw CLIError("--model_type must be qwen1, qwen1.5, qwen2 or qwen2.5, got '\(modelType)'")
        }
        guard disableThreshold.isFinite, disableThreshold >= 0 else {
            throw CLIError("--disable_threshold should be a float number >= 0, got \(disableThreshold)")
        }
        if calibFile != nil && !calibTexts.isEmpty { throw CLIError("give one of --calib_file or --calib_texts") }
        if disableThreshold > 0 && disableLevel != "L0" { throw CLIError("give one of --disable_level or --disable_threshold") }
        if let partFileSize, partFileSize < 0 { throw CLIError("--part_file_size must be ≥ 0 GB, got \(partFileSize)") }
        for name in disableNames where name.isEmpty || name.utf8.count > 256 {
            throw CLIError("--disable_names entries must be 1…256 bytes long")
        }
        for text in calibTexts where text.utf8.count > 1 << 20 {
            throw CLIError("--calib_texts entries must be at most 1 MiB each")
        }
    }

    /// The recipe quant_qwen.py's settings amount to.
    func recipe(disabled: [String]) throws -> String {
        let symmetric = try ModelSlimCLI.bool(wSym, flag: "--w_sym") ? "True" : "False"
        var lines = ["apiversion: modelslim_v1", "metadata:", "  config_id: swiftquant-quant-qwen",
                     "  label: {w_bit: \(wBit), a_bit: \(aBit), is_sparse: False, kv_cache: \(try ModelSlimCLI.bool(useKVCacheQuant, flag: "--use_kvcache_quant") ? "True" : "False")}",
                     "spec:", "  process:"]
        lines += try ModelSlimAntiMethod(flag: antiMethod).processYAML()
        lines += ["    - type: linear_quant", "      qconfig:"]
        if aBit == 8 { lines.append("        act: {scope: per_tensor, dtype: int8, symmetric: False, method: minmax}") }
        lines.append("        weight: {scope: per_channel, dtype: int\(wBit), symmetric: \(symmetric), method: minmax}")
        lines.append("      include: [\"*\"]")
        let exclude = (["lm_head"] + disabled).map { "\"\($0)\"" }.joined(separator: ", ")
        lines.append("      exclude: [\(exclude)]")
        if try ModelSlimCLI.bool(useKVCacheQuant, flag: "--use_kvcache_quant") {
            lines += ["    - type: dynamic_cache", "      qconfig: {scope: per_channel, dtype: int8, symmetric: True, method: minmax}", "      include: [\"*\"]"]
        }
        lines += ["  save:", "    - type: ascendv1_saver", "      part_file_size: \(partFileSize ?? 0)", ""]
        return lines.joined(separator: "\n")
    }

    func run() throws {
        try ModelSlimCLI.checkInput(modelPath, flag: "--model_path", directory: true)
        if let calibFile { try ModelSlimCLI.checkInput(calibFile, flag: "--calib_file", directory: false) }
        // Notes follow the run: an error stays the only line a failed run prints.
        var notes: [String] = []
        if try ModelSlimCLI.bool(trustRemoteCode, flag: "--trust_remote_code") {
            notes.append("note: --trust_remote_code True: SwiftQuant runs no model code (built-in architectures only)")
        }
        var disabled = disableNames
        if disabled.isEmpty && aBit == 8 {
            // quant_qwen.py's default for Qwen2: every down_proj stays in float under W8A8.
            disabled = ["*.mlp.down_proj"]
            notes.append("note: W8A8 without --disable_names: every mlp.down_proj stays in float, as quant_qwen.py does for \(modelType)")
        }
        try ModelSlimCLI.withTemporaryDirectory { temporary in
            let recipeURL = temporary.appendingPathComponent("quant_qwen.yaml")
            try Data(try recipe(disabled: disabled).utf8).write(to: recipeURL)
            var arguments = ["--model", modelPath, "--recipe", recipeURL.path, "--output", saveDirectory]
            if let calibFile {
                arguments += ["--dataset", calibFile]
            } else if !calibTexts.isEmpty {
                let url = temporary.appendingPathComponent("calib_texts.jsonl")
                let lines = calibTexts.map { JSONWriter.string(.object(["inputs_pretokenized": .string($0)])) }
                try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
                arguments += ["--dataset", url.path]
            }
            arguments += try ModelSlimAntiMethod(flag: antiMethod).quantizeArguments
            if disableLevel != "L0" { arguments += ["--disable-level", disableLevel] }
            if disableThreshold > 0 { arguments += ["--disable-threshold", String(disableThreshold)] }
            try ModelSlimCLI.quantize(arguments, names: [
                "--model": "--model_path", "--output": "--save_directory", "--dataset": "--calib_file",
                "--disable-level": "--disable_level", "--disable-threshold": "--disable_threshold", "--part-file-size": "--part_file_size",
                "--anti-method": "--anti_method"])
        }
        notes.forEach(Terminal.note)
    }
}

/// quant_qwen.py's `--anti_method`: m1 and m4 as their modelslim_v1 processes (`smooth_quant`,
/// `iter_smooth`), m2 and m3 (which have none) through `quantize --anti-method`.
enum ModelSlimAntiMethod {
    case none
    case method(AntiOutlierMethod)

    init(flag: String) throws {
        guard !flag.isEmpty else {
            self = .none
            return
        }
        guard let method = AntiOutlierMethod(rawValue: flag) else {
            throw CLIError("--anti_method must be one of \(AntiOutlierMethod.allCases.map(\.rawValue).joined(separator: ", ")) or empty, got '\(flag)'")
        }
        guard AntiOutlierMethod.supported.contains(method) else {
            let list = AntiOutlierMethod.supported.map { "\($0.rawValue) \($0.title)" }.joined(separator: ", ")
            throw CLIError("--anti_method \(flag) (\(method.title)) is not supported yet (supported: \(list))")
        }
        self = .method(method)
    }

    /// The process entries (YAML lines) that run the method before linear_quant, with
    /// msModelSlim's defaults (symmetric: the activations are not shifted).
    func processYAML() -> [String] {
        switch self {
        case .none: return []
        case .method(.m1): return ["    - type: smooth_quant", "      alpha: 0.5", "      symmetric: True", "      include: [\"*\"]"]
        case .method(.m4): return ["    - type: iter_smooth", "      alpha: 0.9", "      scale_min: 1.0e-5", "      symmetric: True",
                                   "      enable_subgraph_type: [norm-linear, linear-linear, ov, up-down]", "      include: [\"*\"]"]
        case .method(let other):
            return ["    # --anti_method \(other.rawValue) (\(other.title)) has no modelslim_v1 process: it runs before linear_quant (quantize --anti-method \(other.rawValue))"]
        }
    }

    /// `quantize --anti-method` for the methods without a process.
    var quantizeArguments: [String] {
        switch self {
        case .method(let m) where m == .m2 || m == .m3: ["--anti-method", m.rawValue]
        default: []
        }
    }
}
