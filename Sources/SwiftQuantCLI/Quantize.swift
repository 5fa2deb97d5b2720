import ArgumentParser
import Evaluation
import Foundation
import Formats
import Models
import Pipeline
import Quantization
import Recipes

struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Quantize a Hugging Face checkpoint and write a compressed-tensors checkpoint.")

    @Option(help: "The source Hugging Face checkpoint directory.")
    var model: String

    @Option(help: "The output directory (written under a temporary name and renamed when complete).")
    var output: String

    @Option(help: "A preset scheme: \(QuantizationPreset.names.joined(separator: ", ")).")
    var scheme: String?

    @Option(help: "Override the weights' group size of --scheme (strategy group).")
    var groupSize: Int?

    @Option(help: "A recipe: llm-compressor YAML or msModelSlim modelslim_v1 YAML.")
    var recipe: String?

    @Option(help: "Calibration text (or jsonl with a \"text\" field).")
    var dataset: String?

    @Option(help: "Calibration samples.")
    var samples: Int = 64

    @Option(help: "Tokens per calibration sample.")
    var seqlen: Int = 512

    @Option(help: "Where calibration text starts: 'half' (after the first newline past the midpoint) or a byte offset.")
    var datasetStart: String = "half"

    @Option(help: "Modules to leave unquantized: class names, module paths or re:<regex> (repeatable; default lm_head).")
    var ignore: [String] = []

    @Flag(help: "Replace an existing output directory.")
    var overwrite = false

    @Option(help: "Shard size limit in GiB for the weights (default: one file up to 50 GB).")
    var partFileSize: Int?

    @Option(help: "Evaluate perplexity before and after on this text file.")
    var evalData: String?

    @Option(help: "Window length for --eval-data.")
    var evalCtx: Int = 512

    @Option(help: "Tokens evaluated for --eval-data.")
    var evalTokens: Int = 8192

    func validate() throws {
        if (scheme == nil) == (recipe == nil) {
            throw ValidationError("give exactly one of --scheme NAME or --recipe FILE")
        }
        if groupSize != nil && scheme == nil {
            throw ValidationError("--group-size applies to --scheme; set group_size in the recipe instead")
        }
    }

    func run() throws {
        let start = Date()
        try reportingErrors {
            let directory = try ModelDirectory(url: URL(fileURLWithPath: model))
            // Checked before any work: nothing is touched when the output is refused.
            let target = try OutputTarget(path: output, source: directory.url, overwrite: overwrite)
            let (groups, ignoreList, recipeText, save) = try resolveRecipe()
            let plan = try QuantizationPlan(config: directory.config, groups: groups, ignore: ignoreList)
            let calibration = try loadCalibration(directory: directory, needed: plan.needsCalibration)
            var before: PerplexityResult? = nil
            if let evalData {
                before = try evaluate(directory: directory, data: evalData, label: "source")
            }
            let out = try AtomicOutput(target: target, command: "quantize", source: directory.url)
            SignalCleanup.install()
            let formatConfig = save.first ?? FormatConfig(type: "compressed_tensors", partFileSize: partFileSize)
            let format = try FormatRegistry.shared.make(formatConfig)
            let pipeline = SequentialPipeline(directory: directory, plan: plan, calibration: calibration, recipeText: recipeText)
            do {
                try pipeline.run(format: format, context: ExportContext(saveDirectory: out.temporary, sourceModelPath: directory.url)) {
                    Terminal.progress("quantizing \($0)")
                }
                Terminal.endProgress()
                try out.commit()
            } catch {
                Terminal.endProgress()
                out.abort()
                throw error
            }
            let seconds = Date().timeIntervalSince(start)
            Terminal.note(String(format: "wrote %@ in %.2f s", out.target.path, seconds))
            if let evalData {
                let after = try evaluate(directory: try ModelDirectory(url: out.target), data: evalData, label: "quantized")
                if let before {
                    print(String(format: "perplexity E(%d, %d): source %.6f → quantized %.6f (%+.4f, %+.2f %%)",
                                 after.ctx, after.tokens, before.ppl, after.ppl, after.ppl - before.ppl,
                                 100 * (after.ppl / before.ppl - 1)))
                }
            }
        }
    }

    private func resolveRecipe() throws -> ([(name: String, scheme: QuantizationScheme)], [String], String?, [FormatConfig]) {
        if let recipe {
            let parsed = try RecipeParser.load(contentsOf: URL(fileURLWithPath: recipe))
            var ignoreList = parsed.ignore + ignore
            // msModelSlim's runner visits decoder layers only: lm_head is never quantized there.
            if parsed.syntax == .modelSlimV1, !ignoreList.contains("lm_head") { ignoreList.append("lm_head") }
            return (parsed.groups, ignoreList, parsed.text, parsed.save)
        }
        guard let scheme else { throw CLIError("give --scheme or --recipe") }
        var resolved = try QuantizationPreset.scheme(named: scheme)
        if let groupSize {
            guard var weights = resolved.weights else { throw CLIError("--group-size: scheme \(scheme) has no weight quantization") }
            weights.groupSize = groupSize
            weights.strategy = .group
            resolved.weights = try weights.validated()
        }
        let ignoreList = ignore.isEmpty ? ["lm_head"] : ignore
        let text = RecipeWriter.llmCompressorYAML(groups: [("group_0", resolved)], ignore: ignoreList)
        return ([("group_0", resolved)], ignoreList, text, [])
    }

    private func loadCalibration(directory: ModelDirectory, needed: Bool) throws -> CalibrationSet? {
        guard let dataset else {
            return nil
        }
        guard needed else {
            Terminal.note("note: the scheme needs no calibration; --dataset is not used")
            return nil
        }
        guard let startRule = DatasetStart(argument: datasetStart) else {
            throw CLIError("--dataset-start must be 'half' or a byte offset, got '\(datasetStart)'")
        }
        return try CalibrationSet.load(file: URL(fileURLWithPath: dataset), tokenizer: try directory.tokenizer(),
                                       count: samples, length: seqlen, start: startRule)
    }

    private func evaluate(directory: ModelDirectory, data: String, label: String) throws -> PerplexityResult {
        let lm = try QuantizedModelLoader.load(directory)
        let ids = try directory.tokenizer().encode(try readText(data))
        let result = try Perplexity.evaluate(model: lm, ids: ids, ctx: evalCtx, tokens: evalTokens) { done, total in
            Terminal.progress("evaluating \(label): window \(done)/\(total)")
        }
        Terminal.endProgress()
        print(String(format: "%@: E(%d, %d) = %.6f", label, result.ctx, result.tokens, result.ppl))
        return result
    }
}

/// Removes unfinished output directories when the process is interrupted.
enum SignalCleanup {
    nonisolated(unsafe) static var sources: [DispatchSourceSignal] = []

    static func install() {
        guard sources.isEmpty else { return }
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                AtomicOutput.removeAllLive()
                FileHandle.standardError.write(Data("\nswiftquant: interrupted; no output was written\n".utf8))
                exit(130)
            }
            source.resume()
            sources.append(source)
        }
    }
}
