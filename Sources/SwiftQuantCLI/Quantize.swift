import Algorithms
import ArgumentParser
import Evaluation
import Foundation
import Formats
import JSON
import Models
import Pipeline
import Quantization
import Recipes
import Tensors
import Tokenizers

struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Quantize a Hugging Face checkpoint and write a compressed-tensors checkpoint.",
        discussion: """
        The output is written under a temporary name beside --output and renamed into place when \
        complete. It must be a new path, an empty directory, or (with --overwrite) a previous \
        SwiftQuant output; the source model, its parents, the working directory and home are refused.
        Recipes: see docs/ARCHITECTURE.md and Tests/Fixtures/recipes/ for real llm-compressor and \
        msModelSlim recipe files.
        """)

    @Option(help: "The source Hugging Face checkpoint directory, or a Hub id ORG/NAME[@REVISION] resolved through the Hugging Face cache (downloaded if missing; HF_HUB_OFFLINE=1: cache only).")
    var model: String

    @Option(help: "The output directory: new, empty, or a previous SwiftQuant output (with --overwrite).")
    var output: String

    @Option(help: ArgumentHelp("A preset scheme: \(QuantizationPreset.names.joined(separator: ", ")).",
                               discussion: "\(QuantizationPreset.ownNames.joined(separator: ", ")) is SwiftQuant's own name (int8 weights per channel, int8 static per-tensor inputs; compressed-tensors has no such preset); \(QuantizationPreset.unsupportedNames.joined(separator: ", ")) are compressed-tensors presets not supported yet."))
    var scheme: String?

    @Option(parsing: .unconditional, help: "Override the weights' group size of --scheme (strategy group); -1 means one scale per output channel.")
    var groupSize: Int?

    @Option(help: "A recipe: llm-compressor YAML or msModelSlim modelslim_v1 YAML.")
    var recipe: String?

    @Option(help: "msModelSlim anti-outlier method before a modelslim_v1 recipe's processes: m1 (SmoothQuant), m2 (Outlier Suppression+), m3 (AWQ) or m4 (iter_smooth).")
    var antiMethod: String?

    @Option(help: "The algorithm for --scheme: rtn (round to nearest, default), gptq, smoothquant+gptq, awq (AWQ then round to nearest) or awq+gptq (all but rtn need --dataset).")
    var algorithm: Algorithm?

    @Option(help: "SmoothQuant: smoothing strength α, 0…1 (default 0.5).")
    var smoothingStrength: Double?

    @Option(help: "AWQ: duo scaling: true (default), false or both.")
    var duoScaling: String?

    @Option(help: "AWQ: grid points of the scale search (default 20).")
    var nGrid: Int?

    @Flag(help: "AWQ: also search each weight group's clipping range (AutoAWQ's auto_clip; not in llm-compressor).")
    var awqClip = false

    @Option(help: "GPTQ: columns per lazy-update block (default 128).")
    var blockSize: Int?

    @Option(help: "GPTQ: dampening as a fraction of the mean Hessian diagonal (default 0.01).")
    var dampeningFrac: Double?

    @Option(help: "GPTQ: column order: static (default; descending Hessian diagonal, alias weight) or none.")
    var actorder: String?

    @Option(help: "Calibration data: plain text (cut into --samples windows of --seqlen tokens from the start), or .jsonl/.json records (one sample per record: text, prompt, inputs_pretokenized or messages). Default: the recipe's spec.dataset.")
    var dataset: String?

    @Option(help: "Calibration samples (1…\(Limits.maxSamples); default 64 windows of plain text, or every record of a .jsonl/.json file).")
    var samples: Int?

    @Option(help: "Tokens per calibration sample (at most the model's max_position_embeddings; default 512 for plain text; records are cut only when longer).")
    var seqlen: Int?

    @Option(help: "Plain-text data only: where calibration text starts: 'start' (default), 'half' (the standard set C(n, L): after the first newline past the midpoint) or a byte offset.")
    var datasetStart: String?

    @Option(help: "Modules to leave unquantized: class names, module paths or re:<regex> (repeatable; default lm_head).")
    var ignore: [String] = []

    @Option(help: "Layer fallback (msModelSlim's disable_level): keep the Linears of the k highest-scoring groups in float, written Lk or k. Needs calibration data; the scores go to layer_fallback.json in the output.")
    var disableLevel: String?

    @Option(help: "Layer fallback (msModelSlim's disable_threshold): keep every Linear scoring above this value in float.")
    var disableThreshold: Double?

    @Option(help: "Layer-fallback score: range-std (msModelSlim's LayerSelector: max(|max|, |min|) / std of the inputs; default) or sensitivity (the KL divergence of the model's output with only that Linear quantized).")
    var fallbackMethod: String = LayerFallback.Method.rangeStd.rawValue

    @Option(help: "Calibration samples the sensitivity probe runs (1…64, default 4).")
    var fallbackSamples: Int = 4

    @Flag(help: "Replace --output when it holds a previous SwiftQuant output (and nothing else).")
    var overwrite = false

    @Option(help: "Shard size limit in GiB for the weights (0 = one file; default: one file up to 50 GB). Overrides a recipe's part_file_size, with a note.")
    var partFileSize: Int?

    @Option(help: "With several save targets (a recipe's save: list): 'shared' writes them all into --output, as msModelSlim does (default); 'separate' gives each its own subfolder named after its type.")
    var saveLayout: String = "shared"

    @Option(help: "Evaluate perplexity before and after on this text file.")
    var evalData: String?

    @Option(help: "Window length for --eval-data (2 … the model's max_position_embeddings).")
    var evalCtx: Int = 512

    @Option(help: "Tokens evaluated for --eval-data (a multiple of --eval-ctx).")
    var evalTokens: Int = 8192

    @Flag(help: "Print the summary as one JSON object on stdout.")
    var json = false

    /// The layer-fallback setting of the flags, nil without one.
    var fallback: LayerFallback? {
        get throws {
            let method = LayerFallback.Method(rawValue: fallbackMethod)
            guard let method else {
                throw CLIError("--fallback-method must be \(LayerFallback.Method.allCases.map(\.rawValue).joined(separator: " or ")), got '\(fallbackMethod)'")
            }
            switch (disableLevel, disableThreshold) {
            case (nil, nil):
                if method != .rangeStd || fallbackSamples != 4 {
                    throw CLIError("--fallback-method and --fallback-samples apply with --disable-level or --disable-threshold")
                }
                return nil
            case (let level?, nil):
                guard let rule = LayerFallback.Rule(level: level) else {
                    throw CLIError("--disable-level must be Lk or k with k ≥ 0 (e.g. L5), got '\(level)'")
                }
                return LayerFallback(method: method, rule: rule)
            case (nil, let threshold?):
                guard threshold.isFinite, threshold >= 0 else {
                    throw CLIError("--disable-threshold must be a number ≥ 0, got \(threshold)")
                }
                return LayerFallback(method: method, rule: .threshold(threshold))
            case (.some, .some):
                throw CLIError("give one of --disable-level or --disable-threshold")
            }
        }
    }

    func validate() throws {
        _ = try fallback
        guard (1...64).contains(fallbackSamples) else {
            throw CLIError("--fallback-samples must be 1…64, got \(fallbackSamples)")
        }
        if (scheme == nil) == (recipe == nil) {
            throw CLIError("give exactly one of --scheme NAME or --recipe FILE")
        }
        if antiMethod != nil && recipe == nil {
            throw CLIError("--anti-method applies to --recipe (a modelslim_v1 recipe)")
        }
        if algorithm != nil && recipe != nil {
            throw CLIError("--algorithm applies to --scheme; a recipe names its modifiers itself")
        }
        if smoothingStrength != nil && algorithm?.usesSmoothQuant != true {
            throw CLIError("--smoothing-strength applies to --algorithm smoothquant+gptq\(recipe != nil ? " (set it in the recipe's SmoothQuantModifier instead)" : "")")
        }
        if let smoothingStrength, !(smoothingStrength.isFinite && (0...1).contains(smoothingStrength)) {
            throw CLIError("--smoothing-strength must be a number from 0 to 1, got \(smoothingStrength)")
        }
        if algorithm?.usesGPTQ != true {
            for (flag, given) in [("--block-size", blockSize != nil), ("--dampening-frac", dampeningFrac != nil), ("--actorder", actorder != nil)] where given {
                throw CLIError("\(flag) applies to --algorithm gptq, smoothquant+gptq or awq+gptq\(recipe != nil ? " (set it in the recipe's GPTQModifier instead)" : "")")
            }
        }
        if algorithm?.usesAWQ != true {
            for (flag, given) in [("--duo-scaling", duoScaling != nil), ("--n-grid", nGrid != nil), ("--awq-clip", awqClip)] where given {
                throw CLIError("\(flag) applies to --algorithm awq or awq+gptq\(recipe != nil ? " (set it in the recipe's AWQModifier instead)" : "")")
            }
        }
        if let duoScaling, AWQSpec.DuoScaling(rawValue: duoScaling) == nil {
            throw CLIError("--duo-scaling must be true, false or both, got '\(duoScaling)'")
        }
        if let nGrid, !(2...1000).contains(nGrid) {
            throw CLIError("--n-grid must be 2…1000, got \(nGrid)")
        }
        if let blockSize, !(1...65536).contains(blockSize) {
            throw CLIError("--block-size must be 1…65536, got \(blockSize)")
        }
        if let dampeningFrac, !(dampeningFrac.isFinite && dampeningFrac >= 0 && dampeningFrac <= 100) {
            throw CLIError("--dampening-frac must be a number from 0 to 100, got \(dampeningFrac)")
        }
        if let actorder, !["static", "weight", "none"].contains(actorder) {
            throw CLIError("--actorder must be static, weight or none, got '\(actorder)'")
        }
        if groupSize != nil && scheme == nil {
            throw CLIError("--group-size applies to --scheme; set group_size in the recipe instead")
        }
        if let groupSize, groupSize != -1, !(1...Limits.maxGroupSize).contains(groupSize) {
            throw CLIError("--group-size must be -1 (per channel) or 1…\(Limits.maxGroupSize), got \(groupSize)")
        }
        if let samples, !(1...Limits.maxSamples).contains(samples) {
            throw CLIError("--samples must be 1…\(Limits.maxSamples), got \(samples)")
        }
        if let seqlen, !(1...Limits.maxSequence).contains(seqlen) {
            throw CLIError("--seqlen must be 1…\(Limits.maxSequence), got \(seqlen)")
        }
        if FormatFanOut.Layout(rawValue: saveLayout) == nil {
            throw CLIError("--save-layout must be \(FormatFanOut.Layout.allCases.map(\.rawValue).joined(separator: " or ")), got '\(saveLayout)'")
        }
        if let partFileSize, !(0...Limits.maxPartFileSize).contains(partFileSize) {
            throw CLIError("--part-file-size must be 0 (one file) … \(Limits.maxPartFileSize) GiB, got \(partFileSize)")
        }
        if let datasetStart, DatasetStart(argument: datasetStart) == nil {
            throw CLIError("--dataset-start must be 'start', 'half' or a byte offset, got '\(datasetStart)'")
        }
        guard (2...Limits.maxSequence).contains(evalCtx) else {
            throw CLIError("--eval-ctx must be 2…\(Limits.maxSequence), got \(evalCtx)")
        }
        guard evalTokens > 0, evalTokens <= Limits.maxEvalTokens, evalTokens % evalCtx == 0 else {
            throw CLIError("--eval-tokens must be a positive multiple of --eval-ctx (\(evalCtx)) up to \(Limits.maxEvalTokens), got \(evalTokens)")
        }
        if evalData == nil && (evalCtx != 512 || evalTokens != 8192) {
            throw CLIError("--eval-ctx and --eval-tokens apply with --eval-data FILE")
        }
    }

    func run() throws {
        let start = Date()
        try reportingErrors {
            let directory = try ModelDirectory(url: try ModelLocator.resolve(model))
            // Checked before any work: nothing is touched when the output is refused.
            let target = try OutputTarget(path: output, source: directory.url, overwrite: overwrite)
            let job = try resolveJob()
            let quantizesKV = job.modifiers.contains { if case .kvCache = $0 { true } else { false } }
            var plan = try QuantizationPlan(config: directory.config, groups: job.groups, ignore: job.ignore, quantizesKVCache: quantizesKV)
            plan.warnings.forEach(Terminal.note)
            // Mappings and settings are resolved against the model before anything is written.
            let modifiers = try ModifierFactory.make(job.modifiers, config: directory.config)
            if evalData != nil, evalCtx > directory.config.maxPositionEmbeddings {
                throw CLIError("--eval-ctx \(evalCtx) exceeds the model's max_position_embeddings \(directory.config.maxPositionEmbeddings)")
            }
            let fallback = try self.fallback
            let calibratingModifier = job.modifiers.first(where: \.needsCalibration)?.name ?? (fallback != nil ? "layer fallback" : nil)
            let calibration = try loadCalibration(directory: directory, needed: plan.needsCalibration || calibratingModifier != nil,
                                                  recipeDataset: job.recipeDataset, why: calibratingModifier)
            var fallbackReport: JSONValue? = nil
            if let fallback, let calibration {
                let scores = try fallbackScores(fallback, directory: directory, plan: plan, job: job, calibration: calibration)
                let chosen = fallback.choose(scores)
                fallback.table(scores, chosen: chosen).forEach(Terminal.note)
                fallbackReport = fallback.report(scores, chosen: chosen)
                plan = try QuantizationPlan(config: directory.config, groups: job.groups, ignore: job.ignore + chosen,
                                            quantizesKVCache: quantizesKV)
            }
            var before: PerplexityResult? = nil
            if let evalData {
                before = try evaluate(directory: directory, data: evalData, label: "source")
            }
            let format: QuantFormat = job.formats.count == 1
                ? try FormatRegistry.shared.make(job.formats[0])
                : try FormatFanOut(configs: job.formats, layout: FormatFanOut.Layout(rawValue: saveLayout) ?? .shared)
            SignalCleanup.install()
            let out = try AtomicOutput(target: target, command: "quantize", source: directory.url)
            let pipeline = SequentialPipeline(directory: directory, plan: plan, calibration: calibration, recipeText: job.recipeText,
                                              modifiers: modifiers)
            do {
                try pipeline.run(format: format, context: ExportContext(saveDirectory: out.temporary, sourceModelPath: directory.url)) {
                    Terminal.progress("quantizing \($0)")
                }
                Terminal.endProgress()
                if Profile.enabled { FileHandle.standardError.write(Data((Profile.report() + "\n").utf8)) }
                if let fallbackReport {
                    let text = JSONWriter.bytes(fallbackReport, layout: .python(indent: 2, sortKeys: false, ensureASCII: true))
                    try Data(text).write(to: out.temporary.appendingPathComponent("layer_fallback.json"))
                }
                try out.commit()
            } catch {
                Terminal.endProgress()
                out.abort()
                throw error
            }
            let summary = QuantizeSummary(plan: plan, output: out.target, seconds: Date().timeIntervalSince(start),
                                          calibration: calibration, formats: job.formats)
            var after: PerplexityResult? = nil
            if let evalData {
                after = try evaluate(directory: try ModelDirectory(url: out.target), data: evalData, label: "quantized")
            }
            if json {
                print(try summary.json(before: before, after: after))
            } else {
                summary.lines().forEach(Terminal.note)
                if let before, let after {
                    print(String(format: "perplexity E(%d, %d): source %.6f → quantized %.6f (%+.4f, %+.2f %%)",
                                 after.ctx, after.tokens, before.ppl, after.ppl, after.ppl - before.ppl,
                                 100 * (after.ppl / before.ppl - 1)))
                }
            }
        }
    }

    /// What to run, from --scheme or --recipe, with every recipe field honoured or refused.
    struct Job {
        var groups: [(name: String, scheme: QuantizationScheme)]
        var ignore: [String]
        var recipeText: String?
        /// Save targets in order (at least one).
        var formats: [FormatConfig]
        /// The recipe's `spec.dataset`.
        var recipeDataset: RecipeDataset?
        /// The modifiers in recipe order.
        var modifiers: [ModifierSpec]
    }

    private func resolveJob() throws -> Job {
        if let recipe {
            let recipeURL = URL(fileURLWithPath: recipe)
            let parsed = try RecipeParser.load(contentsOf: recipeURL)
            try parsed.checkRunnable(formats: FormatRegistry.shared.names)
            var ignoreList = parsed.ignore
            if !ignore.isEmpty {
                Terminal.note("note: --ignore \(ignore.joined(separator: " ")) added to the recipe's ignore list")
                ignoreList += ignore
            }
            // msModelSlim's runner visits decoder layers only: lm_head is never quantized there.
            if parsed.syntax == .modelSlimV1, !ignoreList.contains("lm_head") { ignoreList.append("lm_head") }
            var formats = parsed.save.isEmpty ? [FormatConfig(type: "compressed_tensors", partFileSize: partFileSize)] : parsed.save
            if let partFileSize, !parsed.save.isEmpty {
                for (index, recipeSave) in parsed.save.enumerated() where recipeSave.partFileSize != partFileSize {
                    Terminal.note("note: --part-file-size \(partFileSize) replaces the recipe's save[\(index)].part_file_size \(recipeSave.partFileSize.map(String.init) ?? "(unset)")")
                }
                formats = parsed.save.map { FormatConfig(type: $0.type, partFileSize: partFileSize) }
            }
            let recipeDataset = parsed.dataset.map { RecipeDataset(name: $0, recipe: recipeURL) }
            var modifiers = parsed.modifiers
            if let antiMethod {
                guard parsed.syntax == .modelSlimV1 else {
                    throw CLIError("--anti-method applies to a modelslim_v1 recipe (an llm-compressor recipe names its modifiers itself)")
                }
                let method = try AntiOutlierMethod(parsing: antiMethod)
                let w8a8 = parsed.groups.contains { $0.scheme.inputActivations != nil }
                modifiers.insert(try method.modifierSpec(forW8A8: w8a8), at: 0)
            }
            if let shifting = modifiers.first(where: \.addsBiases), formats.contains(where: { $0.type != "ascendv1_saver" }) {
                let what = shifting.name == "OutlierSuppressionPlus" ? "\(shifting.name) with its channel shift" : "\(shifting.name) with 'symmetric' false"
                throw CLIError("\(what) shifts activations into norm biases, which a compressed-tensors checkpoint cannot hold (transformers' RMSNorm has no bias): save with ascendv1_saver only")
            }
            return Job(groups: parsed.groups, ignore: ignoreList, recipeText: parsed.text, formats: formats,
                       recipeDataset: recipeDataset, modifiers: modifiers)
        }
        guard let scheme else { throw CLIError("give --scheme or --recipe") }
        var resolved = try QuantizationPreset.scheme(named: scheme)
        if let groupSize {
            guard var weights = resolved.weights else { throw CLIError("--group-size: scheme \(scheme) has no weight quantization") }
            if groupSize == -1 {
                weights.groupSize = nil
                weights.strategy = .channel
            } else {
                weights.groupSize = groupSize
                weights.strategy = .group
            }
            resolved.weights = try weights.validated()
        }
        let ignoreList = ignore.isEmpty ? ["lm_head"] : ignore
        let chosen = algorithm ?? .rtn
        var gptq = GPTQSpec()
        if let blockSize { gptq.blockSize = blockSize }
        if let dampeningFrac { gptq.dampeningFraction = dampeningFrac }
        if let actorder { gptq.actorder = actorder == "none" ? nil : ActivationOrdering(rawValue: actorder) }
        // GPTQModifier writes its actorder into the weight scheme, as llm-compressor does.
        if chosen.usesGPTQ, resolved.weights != nil { resolved.weights?.actorder = gptq.actorder }
        var smoothQuant = SmoothQuantSpec()
        if let smoothingStrength { smoothQuant.smoothingStrength = smoothingStrength }
        var awq = AWQSpec()
        if let duoScaling, let duo = AWQSpec.DuoScaling(rawValue: duoScaling) { awq.duoScaling = duo }
        if let nGrid { awq.nGrid = nGrid }
        awq.applyClip = awqClip
        let modifiers = chosen.modifiers(gptq: gptq, smoothQuant: smoothQuant, awq: awq)
        let text = RecipeWriter.llmCompressorYAML(groups: [("group_0", resolved)], ignore: ignoreList, modifiers: modifiers)
        return Job(groups: [("group_0", resolved)], ignore: ignoreList, recipeText: text,
                   formats: [FormatConfig(type: "compressed_tensors", partFileSize: partFileSize)], modifiers: modifiers)
    }

    /// Every quantized Linear's layer-fallback score: msModelSlim's input-range score from a pass of
    /// the pipeline (after the recipe's smoothing modifiers, which run as in the real job), or the
    /// direct sensitivity probe.
    private func fallbackScores(_ fallback: LayerFallback, directory: ModelDirectory, plan: QuantizationPlan, job: Job,
                                calibration: CalibrationSet) throws -> [(path: String, score: Double)] {
        switch fallback.method {
        case .rangeStd:
            let sink = ScoreSink()
            let smoothing = try ModifierFactory.make(job.modifiers, config: directory.config).filter(\.isEquivalentTransform)
            let pipeline = SequentialPipeline(directory: directory, plan: plan, calibration: calibration, recipeText: nil,
                                              modifiers: smoothing + [InputRangeScoreModifier(sink: sink)])
            try pipeline.run(format: DiscardingFormat(), context: ExportContext(saveDirectory: URL(fileURLWithPath: "/dev/null"), sourceModelPath: nil)) {
                Terminal.progress("layer fallback: scoring \($0)")
            }
            Terminal.endProgress()
            return sink.scores
        case .sensitivity:
            let arithmetic: SensitivityProbe.Arithmetic = job.modifiers.contains { if case .modelSlimLinearQuant = $0 { true } else { false } } ? .modelSlim : .compressedTensors
            let probe = SensitivityProbe(directory: directory, plan: plan, samples: Array(calibration.samples.prefix(fallbackSamples)),
                                         arithmetic: arithmetic)
            let scores = try probe.scores { Terminal.progress("layer fallback: \($0)") }
            Terminal.endProgress()
            return scores
        }
    }

    /// The calibration samples, when the scheme or a modifier (`why`) needs them.
    private func loadCalibration(directory: ModelDirectory, needed: Bool, recipeDataset: RecipeDataset?,
                                 why: String?) throws -> CalibrationSet? {
        var file: URL
        if let dataset {
            if let recipeDataset {
                Terminal.note("note: --dataset \(dataset) is used instead of the recipe's spec.dataset '\(recipeDataset.name)'")
            }
            file = URL(fileURLWithPath: dataset)
        } else if let recipeDataset {
            guard needed else {
                Terminal.note("note: the recipe's spec.dataset '\(recipeDataset.name)' is not needed: its scheme needs no calibration")
                return nil
            }
            guard let found = recipeDataset.file else {
                throw CLIError("spec.dataset '\(recipeDataset.name)' was found neither beside the recipe nor in the working directory: give --dataset FILE")
            }
            Terminal.note("note: calibrating on the recipe's spec.dataset \(found.path)")
            file = found
        } else {
            if needed {
                let reason = why.map { "\($0) needs calibration data" } ?? "the scheme has static input activations"
                throw CLIError("\(reason): give calibration data (--dataset FILE --samples N --seqlen L)")
            }
            return nil
        }
        guard needed else {
            Terminal.note("note: the scheme needs no calibration; --dataset is not used")
            return nil
        }
        file = file.standardizedFileURL
        let maxPositions = directory.config.maxPositionEmbeddings
        if let seqlen, seqlen > maxPositions {
            throw CLIError("--seqlen \(seqlen) exceeds the model's max_position_embeddings \(maxPositions)")
        }
        // Records: every one (msModelSlim) unless --samples, cut only past the model's positions.
        let isRecords = ["jsonl", "json"].contains(file.pathExtension.lowercased())
        let count = samples ?? (isRecords ? nil : 64)
        let length = seqlen ?? (isRecords ? maxPositions : 512)
        let tokenizer = try directory.tokenizer()
        let template = try ChatTemplate.load(modelDirectory: directory.url)
        return try CalibrationSet.load(file: file, tokenizer: tokenizer, count: count, length: length,
                                       start: datasetStart.flatMap(DatasetStart.init(argument:)),
                                       chatTemplate: template, notes: Terminal.note)
    }

    private func evaluate(directory: ModelDirectory, data: String, label: String) throws -> PerplexityResult {
        let lm = try QuantizedModelLoader.load(directory)
        let ids = try directory.tokenizer().encode(try readText(data, flag: "--eval-data"))
        let result: PerplexityResult
        do {
            result = try Perplexity.evaluate(model: lm, ids: ids, ctx: evalCtx, tokens: evalTokens) { done, total in
                Terminal.progress("evaluating \(label): window \(done)/\(total)")
            }
        } catch {
            // Perplexity names its own parameters --ctx/--tokens; here they are --eval-ctx/--eval-tokens.
            throw CLIError("--eval-data: " + "\(error)".replacingOccurrences(of: "--ctx", with: "--eval-ctx")
                .replacingOccurrences(of: "--tokens", with: "--eval-tokens"))
        }
        Terminal.endProgress()
        print(String(format: "%@: E(%d, %d) = %.6f", label, result.ctx, result.tokens, result.ppl))
        return result
    }
}

/// A recipe's `spec.dataset`: found relative to the recipe's folder, then the working directory.
struct RecipeDataset {
    let name: String
    /// The file, or nil when it exists in neither place (an error only if calibration needs it).
    let file: URL?

    init(name: String, recipe: URL) {
        self.name = name
        let candidates = name.hasPrefix("/") ? [URL(fileURLWithPath: name)]
            : [recipe.deletingLastPathComponent().appendingPathComponent(name),
               URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(name)]
        file = candidates.first { FileManager.default.fileExists(atPath: $0.path) }?.standardizedFileURL
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
                AtomicOutput.removeAllLiveAndHold()
                let what = AtomicOutput.committedAny ? "the output was already complete" : "no output was written"
                FileHandle.standardError.write(Data("\nswiftquant: interrupted; \(what)\n".utf8))
                exit(130)
            }
            source.resume()
            sources.append(source)
        }
    }
}
