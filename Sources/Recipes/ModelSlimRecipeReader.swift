import Formats
import Quantization

/// Reads msModelSlim `apiversion: modelslim_v1` recipes (`metadata`, `spec`).
enum ModelSlimRecipeReader {
    static let apiVersions = ["modelslim_v1"]
    /// API versions msModelSlim has that SwiftQuant does not read.
    static let otherAPIVersions = ["modelslim_v0", "multimodal_vlm_modelslim_v1", "multimodal_sd_modelslim_v1"]
    static let supportedProcesses = ["iter_smooth", "smooth_quant", "linear_quant", "dynamic_cache"]

    static func read(_ node: RecipeNode, text: String) throws -> Recipe {
        let keys = ["apiversion", "metadata", "spec"]
        let root = try node.mapping()
        let used = root.entries.filter { keys.contains($0.key) }.map(\.value.node)
        for entry in root.entries where !keys.contains(entry.key) {
            guard AnchorKeys.isAnchorHolder(key: entry.key, value: entry.value.node, within: used, text: text) else {
                throw RecipeError.unknownKey(entry.key, expected: keys)
            }
        }
        let version = try root.required("apiversion")
        let name = try version.string()
        guard apiVersions.contains(name) else {
            if otherAPIVersions.contains(name) {
                throw RecipeError.unsupportedValue(version.path, name, supported: apiVersions)
            }
            throw RecipeError.badValue(version.path, name, allowed: apiVersions + otherAPIVersions)
        }
        if let metadata = root.optional("metadata") { try checkMetadata(metadata) }
        let specNode = try root.required("spec")
        // Keys of msModelSlim's multimodal pipelines: named, and refused, rather than "unknown".
        for key in ["calib_dataset", "default_text", "multimodal_sd_config"] {
            if let value = try specNode.mapping()[key] { throw RecipeError.notSupportedYet(value.path, "a multimodal pipeline setting") }
        }
        let spec = try specNode.mapping(allowed: ["runner", "process", "save", "dataset", "prior"])
        if let runner = spec.optional("runner") {
            _ = try runner.choice(["auto", "model_wise", "layer_wise", "dp_layer_wise"])
        }
        if let prior = spec.optional("prior"), !(try prior.items().isEmpty) {
            throw RecipeError("\(RecipeError.quoted(prior.path)) (prior stages) is not supported yet")
        }
        let (smoothing, processes, kvCache) = try processes(spec.optional("process"))
        let save = try spec.optional("save")?.items().map(saveConfig) ?? []
        let dataset = try spec.optional("dataset")?.string()
        guard let first = processes.first else {
            if let smooth = smoothing.first, let node = spec.optional("process") {
                throw RecipeError("\(RecipeError.quoted(node.path)) has \(smooth.process.rawValue) but no linear_quant: a smoothed float output is not supported yet (add a linear_quant process)")
            }
            throw RecipeParser.noQuantization
        }
        let groups = processes.enumerated().map { (name: "group_\($0.offset)", scheme: $0.element.scheme) }
        var recipe = Recipe(syntax: .modelSlimV1, groups: groups, ignore: first.ignore, save: save, dataset: dataset, text: text)
        // msModelSlim's own arithmetic and calibration semantics, whatever the save format.
        // Processes with `method: gptq` get msModelSlim's GPTQ before linear_quant, which then keeps
        // their solved weights.
        let meanGroups = processes.enumerated().filter(\.element.meanAggregation).map { "group_\($0.offset)" }
        let gptqGroups = processes.enumerated().filter { $0.element.weightMethod == "gptq" }.map { "group_\($0.offset)" }
        var gptq = GPTQSpec()
        gptq.actorder = nil
        gptq.modelSlimGroups = gptqGroups
        recipe.modifiers = smoothing.map(ModifierSpec.modelSlimSmooth) + (gptqGroups.isEmpty ? [] : [.gptq(gptq)])
            + [.modelSlimLinearQuant(ModelSlimLinearQuantSpec(meanAggregationGroups: meanGroups))] + (kvCache.map { [ModifierSpec.kvCache($0)] } ?? [])
        return recipe
    }

    /// The smoothing processes and the `linear_quant` processes, each in order, and the
    /// `dynamic_cache` process if any: smoothing first (it changes the float weights the
    /// quantization then reads), dynamic_cache last; other process types are not supported yet.
    private static func processes(_ node: RecipeNode?) throws -> ([ModelSlimSmoothSpec], [ModelSlimLinearQuant], KVCacheSpec?) {
        guard let node else { return ([], [], nil) }
        var result: [(ModelSlimLinearQuant, String)] = []
        var smoothing: [ModelSlimSmoothSpec] = []
        var kvCache: (spec: KVCacheSpec, path: String)?
        for item in try node.items() {
            let type = try item.mapping().required("type").string()
            guard supportedProcesses.contains(type) else {
                throw RecipeError("process type '\(type)' is not supported yet (supported: \(supportedProcesses.joined(separator: ", ")))")
            }
            if type == "dynamic_cache" {
                if let kvCache { throw RecipeError("\(RecipeError.quoted(item.path)): a second dynamic_cache process (the first is '\(kvCache.path)')") }
                guard !result.isEmpty else {
                    throw RecipeError("\(RecipeError.quoted(item.path)): dynamic_cache before any linear_quant process is not supported yet (put it after linear_quant, as msModelSlim's recipes do)")
                }
                kvCache = (try ModelSlimDynamicCache.read(item), item.path)
                continue
            }
            if let kvCache {
                throw RecipeError("\(RecipeError.quoted(item.path)): \(type) after the dynamic_cache process '\(kvCache.path)' is not supported yet (dynamic_cache comes last)")
            }
            if let process = ModelSlimSmoothSpec.Process(rawValue: type) {
                if let (_, firstPath) = result.first {
                    throw RecipeError("\(RecipeError.quoted(item.path)) (\(type)) comes after the linear_quant process '\(firstPath)': smoothing after quantization is not supported yet")
                }
                smoothing.append(try ModelSlimSmooth.read(item, process: process))
                continue
            }
            let process = try ModelSlimLinearQuant(item)
            if let (first, firstPath) = result.first, first.excludeGlobs != process.excludeGlobs {
                throw RecipeError("\(RecipeError.quoted(item.childPath("exclude"))) differs from '\(firstPath).exclude': different exclude lists per linear_quant process are not supported yet")
            }
            result.append((process, item.path))
        }
        return (smoothing, result.map(\.0), kvCache?.spec)
    }

    /// Save types SwiftQuant writes (registered formats).
    static let supportedSavers = ["compressed_tensors", "ascendv1_saver"]
    /// msModelSlim's other savers: parsed (a run refuses those not registered as formats).
    static let modelSlimSavers = ["ascendv1_saver_distributed", "mindie_format_saver"]

    /// A `save` entry: `{type, part_file_size, ext}`.
    private static func saveConfig(_ node: RecipeNode) throws -> FormatConfig {
        let map = try node.mapping(allowed: ["type", "part_file_size", "ext"])
        let typeNode = try map.required("type")
        let type = try typeNode.string()
        guard supportedSavers.contains(type) || modelSlimSavers.contains(type) else {
            throw RecipeError.badValue(typeNode.path, type, allowed: supportedSavers + modelSlimSavers)
        }
        var size: Int?
        if let value = map.optional("part_file_size") {
            size = try value.int()
            if let size, size < 0 || size > 1 << 20 {
                throw RecipeError("\(RecipeError.quoted(value.path)) must be 0 (one file) or a positive size in GB, got \(size)")
            }
        }
        if let ext = map.optional("ext"), !(try ext.mapping().entries.isEmpty) {
            throw RecipeError("\(RecipeError.quoted(ext.path)) (saver options) is not supported yet: use ext: {} or omit it")
        }
        return FormatConfig(type: type, partFileSize: size)
    }

    /// `metadata` is informational: its fields are type-checked and otherwise ignored.
    private static func checkMetadata(_ node: RecipeNode) throws {
        let map = try node.mapping(allowed: ["config_id", "score", "verified_model_types", "verified_tags", "label"])
        _ = try map.optional("config_id")?.string()
        _ = try map.optional("score")?.number()
        _ = try map.optional("verified_model_types")?.strings()
        // verified_tags: {model: [[engine, hardware], …]}, informational.
        _ = try map.optional("verified_tags")?.mapping()
        if let label = try map.optional("label")?.mapping(allowed: ["w_bit", "a_bit", "is_sparse", "kv_cache", "fa_quant", "fa_bit"]) {
            _ = try label.optional("w_bit")?.int()
            _ = try label.optional("a_bit")?.int()
            _ = try label.optional("fa_bit")?.int()
            _ = try label.optional("is_sparse")?.bool()
            _ = try label.optional("kv_cache")?.bool()
            _ = try label.optional("fa_quant")?.bool()
        }
    }
}
