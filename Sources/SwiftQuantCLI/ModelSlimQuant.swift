import ArgumentParser
import Foundation

/// `swiftquant modelslim quant`: msModelSlim 26.1.0's `msmodelslim quant`, with its flags.
struct ModelSlimQuant: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quant",
        abstract: "msmodelslim quant: a modelslim_v1 recipe (--config_path) or a built-in best practice (--quant_type) on a checkpoint.")

    @Option(name: .customLong("model_path"), help: "The checkpoint folder, or a Hub id ORG/NAME[@REVISION] (the Hugging Face cache).")
    var modelPath: String

    @Option(name: .customLong("save_path"), help: "Where the quantized checkpoint is written (a new or empty directory).")
    var savePath: String

    @Option(name: .customLong("config_path"), help: "A modelslim_v1 YAML recipe.")
    var configPath: String?

    @Option(name: .customLong("quant_type"), help: "A built-in best practice instead of --config_path: \(ModelSlimBestPractice.allCases.map(\.rawValue).joined(separator: ", ")).")
    var quantType: String?

    @Option(name: .customLong("device"), help: "cpu (SwiftQuant has no NPU support; msModelSlim's default is npu).")
    var device: String = "cpu"

    @Option(name: .customLong("model_type"), help: "msModelSlim's model adapter name; SwiftQuant reads the architecture from config.json and notes the value.")
    var modelType: String?

    @Option(name: .customLong("trust_remote_code"), help: "True or False: SwiftQuant never runs model code, so True changes nothing.")
    var trustRemoteCode: String = "False"

    @Option(name: .customLong("calib_file"), help: "SwiftQuant extension: calibration data (.jsonl/.json), instead of the recipe's spec.dataset.")
    var calibFile: String?

    func validate() throws {
        if (configPath == nil) == (quantType == nil) {
            throw CLIError("give one of --config_path FILE or --quant_type TYPE")
        }
        if let quantType, ModelSlimBestPractice(rawValue: quantType) == nil {
            throw CLIError("--quant_type must be one of \(ModelSlimBestPractice.allCases.map(\.rawValue).joined(separator: ", ")), got '\(quantType)'")
        }
        try ModelSlimCLI.checkDevice(device, flag: "--device")
        _ = try ModelSlimCLI.bool(trustRemoteCode, flag: "--trust_remote_code")
    }

    func run() throws {
        try ModelSlimCLI.checkInput(modelPath, flag: "--model_path", directory: true)
        if let configPath { try ModelSlimCLI.checkInput(configPath, flag: "--config_path", directory: false) }
        if let calibFile { try ModelSlimCLI.checkInput(calibFile, flag: "--calib_file", directory: false) }
        // Notes follow the run: an error stays the only line a failed run prints.
        var notes: [String] = []
        if let modelType { notes.append("note: --model_type \(modelType): the architecture is read from config.json") }
        if try ModelSlimCLI.bool(trustRemoteCode, flag: "--trust_remote_code") {
            notes.append("note: --trust_remote_code True: SwiftQuant runs no model code (built-in architectures only)")
        }
        let names = ["--model": "--model_path", "--output": "--save_path", "--recipe": "--config_path", "--dataset": "--calib_file"]
        try ModelSlimCLI.withTemporaryDirectory { temporary in
            var recipe = configPath
            if let quantType, let practice = ModelSlimBestPractice(rawValue: quantType) {
                let url = temporary.appendingPathComponent("\(practice.rawValue).yaml")
                try Data(practice.yaml.utf8).write(to: url)
                recipe = url.path
                notes.append("note: --quant_type \(quantType): SwiftQuant's built-in best practice (\(practice.summary))")
            }
            var arguments = ["--model", modelPath, "--recipe", recipe ?? "", "--output", savePath]
            if let calibFile {
                arguments += ["--dataset", calibFile]
            } else if let quantType, ModelSlimBestPractice(rawValue: quantType)?.needsData == true {
                // msModelSlim's default dataset name, looked up in the working directory.
                guard FileManager.default.fileExists(atPath: ModelSlimBestPractice.defaultDataset) else {
                    throw CLIError("--quant_type \(quantType) calibrates on data: give --calib_file FILE (.jsonl), or put msModelSlim's \(ModelSlimBestPractice.defaultDataset) in the working directory")
                }
                arguments += ["--dataset", ModelSlimBestPractice.defaultDataset]
            }
            try ModelSlimCLI.quantize(arguments, names: names)
        }
        notes.forEach(Terminal.note)
    }
}

/// SwiftQuant's built-in modelslim_v1 best practices for `--quant_type`, after msModelSlim's
/// `lab_practice/default` recipes.
enum ModelSlimBestPractice: String, CaseIterable {
    case w8a8
    case w8a16
    case w8a8c8

    /// msModelSlim's default calibration file name (`lab_calib/mix_calib.jsonl`).
    static let defaultDataset = "mix_calib.jsonl"

    var needsData: Bool { self != .w8a16 }

    var summary: String {
        switch self {
        case .w8a8: "iter_smooth, then int8 per-token dynamic activations and int8 per-channel weights (default-w8a8)"
        case .w8a16: "int8 per-channel weights (default-w8a16)"
        case .w8a8c8: "default-w8a8 with a C8 KV cache (dynamic_cache)"
        }
    }

    var yaml: String {
        let w8a8 = """
        apiversion: modelslim_v1
        metadata:
          config_id: swiftquant-default-\(rawValue)
          label: {w_bit: 8, a_bit: \(self == .w8a16 ? 16 : 8), is_sparse: False, kv_cache: \(self == .w8a8c8 ? "True" : "False")}
        spec:
          process:
            - type: iter_smooth
              alpha: 0.9
              scale_min: 1.0e-5
              symmetric: True
              enable_subgraph_type: [norm-linear, linear-linear, ov, up-down]
              include: ["*"]
            - type: linear_quant
              qconfig:
                act: {scope: per_token, dtype: int8, symmetric: True, method: minmax}
                weight: {scope: per_channel, dtype: int8, symmetric: True, method: minmax}
              include: ["*"]
              exclude: ["lm_head"]
        """
        switch self {
        case .w8a8:
            return w8a8 + "\n  save:\n    - type: ascendv1_saver\n      part_file_size: 4\n"
        case .w8a8c8:
            return w8a8 + """

                - type: dynamic_cache
                  qconfig: {scope: per_channel, dtype: int8, symmetric: True, method: minmax}
                  include: ["*"]
              save:
                - type: ascendv1_saver
                  part_file_size: 4

            """
        case .w8a16:
            return """
            apiversion: modelslim_v1
            metadata:
              config_id: swiftquant-default-w8a16
              label: {w_bit: 8, a_bit: 16, is_sparse: False, kv_cache: False}
            spec:
              process:
                - type: linear_quant
                  qconfig:
                    weight: {scope: per_channel, dtype: int8, symmetric: True, method: minmax}
                  include: ["*"]
              runner: model_wise
              save:
                - type: ascendv1_saver
                  part_file_size: 4

            """
        }
    }
}
