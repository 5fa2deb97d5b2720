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
    /// Save targets (`spec.save` of msModelSlim recipes); empty = the caller's default.
    public var save: [FormatConfig]
    /// Calibration data set named by the recipe (`spec.dataset`), if any.
    public var dataset: String?
    /// The recipe text as given (saved beside the checkpoint as recipe.yaml).
    public var text: String

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
