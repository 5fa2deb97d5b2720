/// Reads llm-compressor recipes: `<name>_stage: <name>_modifiers: <ModifierClass>: {…}`.
enum LLMCompressorRecipeReader {
    /// Modifiers SwiftQuant runs.
    static let supportedModifiers = ["QuantizationModifier", "GPTQModifier", "SmoothQuantModifier", "AWQModifier"]

    static func read(_ root: RecipeMapping, text: String) throws -> Recipe {
        var found: (path: String, settings: QuantizationModifierSettings)?
        var modifiers: [ModifierSpec] = []
        let stages = root.entries.filter { $0.key.hasSuffix("_stage") }
        for entry in root.entries where !entry.key.hasSuffix("_stage") {
            if entry.key == "metadata" { continue }   // informational (llm-compressor's RecipeMetaData)
            guard AnchorKeys.isAnchorHolder(key: entry.key, value: entry.value.node,
                                            within: stages.map(\.value.node), text: text) else {
                throw RecipeError("unknown key '\(entry.key)' (expected stages named '<name>_stage', e.g. default_stage)")
            }
        }
        for stage in stages {
            for group in try stage.value.mapping().entries {
                if group.key == "run_type" {
                    // A stage's run type: SwiftQuant runs every stage one-shot.
                    let value = try group.value.string()
                    guard value == "oneshot" else {
                        throw RecipeError.unsupportedValue(group.value.path, value, supported: ["oneshot"])
                    }
                    continue
                }
                guard group.key.hasSuffix("_modifiers") else {
                    throw RecipeError("unknown key '\(group.value.path)' (expected modifier groups named '<name>_modifiers', e.g. default_modifiers)")
                }
                for modifier in try group.value.mapping().entries {
                    guard supportedModifiers.contains(modifier.key) else {
                        throw RecipeError("modifier '\(modifier.key)' is not supported yet (supported: \(supportedModifiers.joined(separator: ", ")))")
                    }
                    let settings: QuantizationModifierSettings
                    switch modifier.key {
                    case "SmoothQuantModifier":
                        modifiers.append(.smoothQuant(try SmoothQuantModifierReader.read(modifier.value)))
                        continue
                    case "AWQModifier":
                        modifiers.append(.awq(try AWQModifierReader.read(modifier.value)))
                        continue
                    case "GPTQModifier":
                        let (read, spec) = try GPTQModifierReader.read(modifier.value)
                        settings = read
                        modifiers.append(.gptq(spec))
                    default:
                        settings = try QuantizationModifierReader.read(modifier.value)
                        modifiers.append(.quantization)
                    }
                    // The KV cache is observed in the calibration pass of the modifier that carries
                    // kv_cache_scheme (before that modifier changes any weight).
                    if let kv = settings.kvCacheScheme {
                        modifiers.insert(.kvCache(KVCacheSpec(args: kv, convention: .compressedTensors)), at: modifiers.count - 1)
                    }
                    // One modifier carries the schemes; the others (e.g. smoothing) act on them.
                    guard !settings.groups.isEmpty || settings.kvCacheScheme != nil else { continue }
                    if let found {
                        throw RecipeError("more than one modifier with a quantization scheme ('\(found.path)' and '\(modifier.value.path)') is not supported yet: give the scheme to one of them")
                    }
                    found = (modifier.value.path, settings)
                }
            }
        }
        guard let settings = found?.settings, !settings.groups.isEmpty || settings.kvCacheScheme != nil else {
            throw RecipeParser.noQuantization
        }
        var recipe = Recipe(syntax: .llmCompressor, groups: settings.groups, ignore: settings.ignore,
                            kvCacheScheme: settings.kvCacheScheme, text: text, groupFormats: settings.groupFormats)
        recipe.kvCacheSchemePath = settings.kvCacheSchemePath
        recipe.modifiers = modifiers
        return recipe
    }
}
