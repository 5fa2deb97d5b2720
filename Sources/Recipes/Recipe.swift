import Formats
import Quantization

/// A parsed recipe: what to quantize and how, and where to save it.
public struct Recipe: Sendable {
    /// Which syntax the recipe was written in.
    public enum Syntax: String, Sendable {
        case llmCompressor = "llm-compressor"
        case modelSlimV1 = "modelslim_v1"
    }

    /// The syntax the recipe was written in.
    public var syntax: Syntax
    /// Named config groups in declaration order (`group_0`, … for presets).
    public var groups: [(name: String, scheme: QuantizationScheme)]
    /// Per-group compressed-tensors `format` overrides (`config_groups.<name>.format`), by group name;
    /// groups not listed get the format inferred from their scheme.
    public var groupFormats: [String: String]
    /// Ignore entries (class names, module paths, `re:` patterns).
    public var ignore: [String]
    /// KV-cache quantization, if requested.
    public var kvCacheScheme: QuantizationArgs?
    /// Where `kvCacheScheme` was given (for messages).
    public var kvCacheSchemePath: String?
    /// Save targets (`spec.save` of msModelSlim recipes) in order; empty = the caller's default.
    public var save: [FormatConfig]
    /// Calibration data set named by the recipe (`spec.dataset`), if any.
    public var dataset: String?
    /// The recipe text as given (saved beside the checkpoint as recipe.yaml).
    public var text: String
    /// The modifiers in recipe order (msModelSlim's `linear_quant` processes: `.modelSlimLinearQuant`).
    public var modifiers: [ModifierSpec] = [.quantization]

    /// Creates a recipe value (normally made by `RecipeParser`).
    public init(syntax: Syntax, groups: [(name: String, scheme: QuantizationScheme)], ignore: [String],
                kvCacheScheme: QuantizationArgs? = nil, save: [FormatConfig] = [], dataset: String? = nil, text: String,
                groupFormats: [String: String] = [:]) {
        self.syntax = syntax
        self.groups = groups
        self.groupFormats = groupFormats
        self.ignore = ignore
        self.kvCacheScheme = kvCacheScheme
        self.save = save
        self.dataset = dataset
        self.text = text
    }
}

extension Recipe {
    /// Checks that a run can do everything the recipe asks: every field SwiftQuant parses but
    /// does not run yet is an error naming it (rather than a silent drop). `formats` are the
    /// registered save types.
    public func checkRunnable(formats: [String]) throws {
        for modifier in modifiers {
            guard case .kvCache(let spec) = modifier else { continue }
            let where_ = spec.convention == .modelSlim ? "dynamic_cache" : (kvCacheSchemePath ?? "kv_cache_scheme")
            // Each format writes one convention: compressed-tensors one scale per tensor, AscendV1 C8.
            // No save list: the caller's default, compressed_tensors.
            for (index, target) in (save.isEmpty ? [FormatConfig(type: "compressed_tensors")] : save).enumerated() {
                let writable = target.type == "ascendv1_saver" ? spec.convention == .modelSlim
                    : target.type.hasPrefix("compressed") ? spec.convention == .compressedTensors : true
                if !writable {
                    let saver = save.isEmpty ? "the default save type compressed_tensors" : "'spec.save[\(index)].type' \(target.type)"
                    throw RecipeError("'\(where_)' cannot be saved by \(saver): compressed_tensors writes kv_cache_scheme's per-tensor k_scale/v_scale, ascendv1_saver writes dynamic_cache's C8 per-channel scales")
                }
            }
            let a = spec.args
            guard a.symmetric, !a.dynamic.isDynamic, a.numBits == 8,
                  (spec.convention == .compressedTensors && a.resolvedStrategy == .tensor) || (spec.convention == .modelSlim && a.resolvedStrategy == .channel) else {
                throw RecipeError.notSupportedYet(where_, "this KV-cache scheme (supported: 8-bit symmetric static per-tensor kv_cache_scheme, int8 per_channel dynamic_cache)")
            }
        }
        for group in groups {
            let name = "config group '\(group.name)'"
            if group.scheme.outputActivations != nil {
                throw RecipeError("\(name): output_activations (output activation quantization) is not supported yet: remove it")
            }
            if let weights = group.scheme.weights, ![.tensor, .channel, .group].contains(weights.resolvedStrategy) {
                throw RecipeError("\(name): weights strategy '\(weights.resolvedStrategy.rawValue)' is not supported yet (supported: tensor, channel, group)")
            }
            if let inputs = group.scheme.inputActivations {
                if inputs.dynamic.isDynamic {
                    if ![.token, .tensor].contains(inputs.resolvedStrategy) || inputs.dynamic == .local {
                        throw RecipeError("\(name): dynamic input_activations with strategy '\(inputs.resolvedStrategy.rawValue)' are not supported yet (supported: token, tensor)")
                    }
                } else if inputs.resolvedStrategy != .tensor {
                    throw RecipeError("\(name): static input_activations with strategy '\(inputs.resolvedStrategy.rawValue)' are not supported yet (supported: tensor)")
                }
            }
        }
        var seen: Set<String> = []
        for (index, target) in save.enumerated() where !seen.insert(target.type).inserted {
            throw RecipeError("'spec.save[\(index)].type' \(target.type) is listed twice: each save target needs its own type")
        }
        for (index, target) in save.enumerated() where !formats.contains(target.type) {
            throw RecipeError.unsupportedValue("spec.save[\(index)].type", target.type, supported: formats)
        }
    }
}
