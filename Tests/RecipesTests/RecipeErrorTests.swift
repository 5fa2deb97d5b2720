import Testing
@testable import Recipes

@Suite("recipe errors: one line, naming the key path")
struct RecipeErrorTests {
    static let modifier = "quant_stage.quant_modifiers.QuantizationModifier"
    static let group0 = modifier + ".config_groups.group_0"

    static func group(_ weights: String, extra: String = "") -> String {
        quantizationModifierRecipe("config_groups:\n  group_0:\n    targets: [Linear]\n    weights: \(weights)\n" + extra)
    }

    // MARK: document level

    @Test func emptyDocuments() {
        for text in ["", "   \n\n", "# only a comment\n", "---\n", "~\n"] {
            expectRecipeError(text, contains: ["recipe: the recipe is empty"])
        }
    }

    @Test func yamlSyntaxErrorsGiveLineAndColumn() {
        expectRecipeError("default_stage:\n  default_modifiers: [a, b\n", contains: ["invalid YAML at line", "column"])
        expectRecipeError("a: b\n  c: d\n", contains: ["invalid YAML at line 2", "column"])
        expectRecipeError("key: \"unterminated\n", contains: ["invalid YAML at line"])
        expectRecipeError("a: *nowhere\n", contains: ["invalid YAML", "undefined alias"])
        expectRecipeError("a: 1\na: 2\n", contains: ["invalid YAML: duplicate key 'a' in a mapping (first at line 1, column 1)"])
    }

    @Test func topLevelMustBeAMapping() {
        expectRecipeError("- default_stage\n- x\n", contains: ["the top level must be a mapping", "got a list"])
        expectRecipeError("W8A8\n", contains: ["the top level must be a mapping", "got 'W8A8'"])
    }

    @Test func noQuantization() {
        expectRecipeError("default_stage:\n  default_modifiers: {}\n", contains: ["no quantization requested"])
        expectRecipeError(quantizationModifierRecipe("ignore: [lm_head]"), contains: ["no quantization requested"])
        expectRecipeError(quantizationModifierRecipe("config_groups: {}"), contains: ["no quantization requested"])
        expectRecipeError("apiversion: modelslim_v1\nspec:\n  process: []\n", contains: ["no quantization requested"])
        expectRecipeError("apiversion: modelslim_v1\nspec:\n  dataset: x.jsonl\n", contains: ["no quantization requested"])
    }

    // MARK: unknown keys at several depths

    @Test func unknownKeys() {
        expectRecipeError("recipe:\n  x: 1\n", contains: ["unknown key 'recipe'", "_stage"])
        expectRecipeError("default_stage:\n  quantization:\n    QuantizationModifier: {scheme: W8A8}\n",
                          contains: ["unknown key 'default_stage.quantization'", "_modifiers"])
        expectRecipeError(quantizationModifierRecipe("scheme: W8A8\nignores: [lm_head]"), contains: [
            "recipe: unknown key '\(Self.modifier).ignores' (expected one of: config_groups, scheme, targets, ignore, kv_cache_scheme",
        ])
        expectRecipeError(quantizationModifierRecipe("config_groups:\n  group_0:\n    targets: [Linear]\n    weight: {num_bits: 4}"),
                          contains: ["unknown key '\(Self.group0).weight' (expected one of: targets, weights, input_activations, output_activations, format)"])
        expectRecipeError(Self.group("{num_bits: 4, bits: 4}"), contains: ["unknown key '\(Self.group0).weights.bits'", "num_bits"])
        expectRecipeError(quantizationModifierRecipe("scheme: W8A8\nobserver: {weight: mse}"),
                          contains: ["unknown key '\(Self.modifier).observer.weight' (expected one of: weights, input, output)"])
        expectRecipeError("apiversion: modelslim_v1\nspec: {process: []}\nextra: 1\n",
                          contains: ["unknown key 'extra' (expected one of: apiversion, metadata, spec)"])
        expectRecipeError("apiversion: modelslim_v1\nspec:\n  processes: []\n", contains: ["unknown key 'spec.processes'"])
        expectRecipeError(Self.slim("qconfig: {weight: {scope: per_channel, dtype: int8, symmetric: true, method: minmax, ext: {groupsize: 4}}}"),
                          contains: ["unknown key 'spec.process[0].qconfig.weight.ext.groupsize' (expected one of: group_size)"])
        expectRecipeError(Self.slim("qconfig: {weight: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}}\nincludes: ['*']"),
                          contains: ["unknown key 'spec.process[0].includes' (expected one of: type, qconfig, include, exclude)"])
        expectRecipeError("apiversion: modelslim_v1\nmetadata: {label: {bits: 8}}\nspec: {}\n", contains: ["unknown key 'metadata.label.bits'"])
    }

    // MARK: wrong types

    @Test func wrongTypes() {
        expectRecipeError(Self.group("{num_bits: four}"),
                          contains: ["recipe: '\(Self.group0).weights.num_bits' must be an integer, got 'four'"])
        expectRecipeError(Self.group("{num_bits: \"4\"}"), contains: ["'\(Self.group0).weights.num_bits' must be an integer, got '4'"])
        expectRecipeError(Self.group("{num_bits: 4.0}"), contains: ["must be an integer, got '4.0'"])
        expectRecipeError(Self.group("{num_bits: 4, symmetric: 1}"), contains: ["'\(Self.group0).weights.symmetric' must be a boolean"])
        expectRecipeError(Self.group("{num_bits: 4, group_size: [64]}"), contains: ["'\(Self.group0).weights.group_size' must be an integer, got a list"])
        expectRecipeError(Self.group("{num_bits: 4, observer_kwargs: {grid: many}}"),
                          contains: ["'\(Self.group0).weights.observer_kwargs.grid' must be a number, got 'many'"])
        expectRecipeError(Self.group("{num_bits: 4, dynamic: sometimes}"), contains: ["'\(Self.group0).weights.dynamic' must be true, false or \"local\""])
        expectRecipeError(Self.group("{num_bits: null}"), contains: ["must be an integer, got null"])
        expectRecipeError(Self.group("8"), contains: ["'\(Self.group0).weights' must be a mapping, got '8'"])
        expectRecipeError(quantizationModifierRecipe("scheme: W8A8\nignore: lm_head"), contains: ["'\(Self.modifier).ignore' must be a list, got 'lm_head'"])
        expectRecipeError(quantizationModifierRecipe("scheme: W8A8\nignore: [lm_head, 3]"), contains: ["'\(Self.modifier).ignore[1]' must be a string, got '3'"])
        expectRecipeError(quantizationModifierRecipe("scheme: [W8A8]"), contains: ["'\(Self.modifier).scheme' must be a string, got a list"])
        expectRecipeError("default_stage:\n  default_modifiers:\n    QuantizationModifier:\n", contains: ["'default_stage.default_modifiers.QuantizationModifier' must be a mapping, got null"])
        expectRecipeError(quantizationModifierRecipe("scheme: W8A8\nbypass_divisibility_checks: maybe"), contains: ["bypass_divisibility_checks' must be a boolean"])
        expectRecipeError(Self.slim("qconfig: {weight: {scope: per_channel, dtype: int8, symmetric: \"true\", method: minmax}}"),
                          contains: ["'spec.process[0].qconfig.weight.symmetric' must be a boolean (true or false), got 'true'"])
        expectRecipeError(Self.slim("qconfig: {weight: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}}", save: "- {type: ascendv1_saver, part_file_size: big}"),
                          contains: ["'spec.save[0].part_file_size' must be an integer, got 'big'"])
        expectRecipeError(Self.slim("qconfig: {weight: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}}", save: "- {type: ascendv1_saver, part_file_size: -1}"),
                          contains: ["'spec.save[0].part_file_size' must be 0 (one file) or a positive size in GB, got -1"])
        expectRecipeError(Self.slim("qconfig: {weight: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}}\ninclude: '*'"),
                          contains: ["'spec.process[0].include' must be a list, got '*'"])
        expectRecipeError("apiversion: modelslim_v1\nspec: {process: [], dataset: [a]}\n", contains: ["'spec.dataset' must be a string, got a list"])
    }

    // MARK: bad values

    @Test func badEnumValues() {
        expectRecipeError(Self.group("{num_bits: 4, strategy: grouped}"),
                          contains: ["'\(Self.group0).weights.strategy' must be one of: tensor, channel, group, block, token, tensor_group, attn_head (got 'grouped')"])
        expectRecipeError(Self.group("{num_bits: 4, type: double}"), contains: ["'\(Self.group0).weights.type' must be one of: int, float (got 'double')"])
        expectRecipeError(Self.group("{num_bits: 4, observer: magic}"), contains: ["'\(Self.group0).weights.observer' must be one of:", "(got 'magic')"])
        expectRecipeError(quantizationModifierRecipe("config_groups:\n  group_0:\n    targets: [Linear]\n    weights: {num_bits: 4}\n    format: mixed-precision"),
                          contains: ["'\(Self.group0).format' must be one of:", "pack-quantized", "(got 'mixed-precision')"])
        expectRecipeError(quantizationModifierRecipe("scheme: W9A9"), contains: ["'\(Self.modifier).scheme': unknown scheme 'W9A9' (presets:"])
        expectRecipeError(quantizationModifierRecipe("scheme: {W8A8: [Linear], NOPE: [Linear]}"), contains: ["'\(Self.modifier).scheme.NOPE': unknown scheme 'NOPE'"])
        expectRecipeError(Self.slim("qconfig: {weight: {scope: per_row, dtype: int8, symmetric: true, method: minmax}}"),
                          contains: ["'spec.process[0].qconfig.weight.scope' must be one of: per_tensor, per_channel, per_token, per_group, per_block, per_head, dual_scale, pd_mix (got 'per_row')"])
        expectRecipeError(Self.slim("qconfig: {weight: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}}", runner: "fast"),
                          contains: ["'spec.runner' must be one of: auto, model_wise, layer_wise, dp_layer_wise (got 'fast')"])
        expectRecipeError("apiversion: modelslim_v9\nspec: {}\n", contains: ["'apiversion' must be one of: modelslim_v1"])
        expectRecipeError("apiversion: modelslim_v0\nspec: {}\n", contains: ["'apiversion' value 'modelslim_v0' is not supported yet (supported: modelslim_v1)"])
    }

    @Test func actorder() {
        expectRecipeError(Self.group("{num_bits: 4, group_size: 64, actorder: group}"), contains: ["'\(Self.group0).weights.actorder'", "actorder 'group' was removed", "weight"])
        expectRecipeError(Self.group("{num_bits: 4, group_size: 64, actorder: dynamic}"), contains: ["actorder 'dynamic' was removed"])
        expectRecipeError(Self.group("{num_bits: 4, group_size: 64, actorder: true}"), contains: ["actorder true (group ordering) was removed"])
        expectRecipeError(Self.group("{num_bits: 4, group_size: 64, actorder: sideways}"), contains: ["'\(Self.group0).weights.actorder' must be one of: weight, static (got 'sideways')"])
        expectRecipeError(quantizationModifierRecipe("config_groups:\n  group_0:\n    targets: [Linear]\n    input_activations: {num_bits: 8, strategy: group, group_size: 8, actorder: weight}"),
                          contains: ["'\(Self.group0).input_activations': actorder applies to weights only"])
    }

    // MARK: settings rejected by validation, wrapped with the key path

    @Test func validationErrorsNameThePath() {
        expectRecipeError(quantizationModifierRecipe("config_groups:\n  group_0:\n    targets: [Linear]\n    input_activations: {num_bits: 8, strategy: token}"),
                          contains: ["recipe: '\(Self.group0).input_activations': strategy 'token' needs dynamic: true"])
        expectRecipeError(Self.group("{num_bits: 4, strategy: group}"), contains: ["'\(Self.group0).weights': strategy 'group' needs a positive group_size"])
        expectRecipeError(Self.group("{num_bits: 12}"), contains: ["'\(Self.group0).weights': num_bits 12 is not supported"])
        expectRecipeError(Self.group("{num_bits: 8, strategy: channel, dynamic: true}"), contains: ["'\(Self.group0).weights': dynamic quantization supports"])
        expectRecipeError(Self.group("{num_bits: 8, strategy: tensor, dynamic: true}"), contains: ["'\(Self.group0)': weights cannot be dynamic"])
        expectRecipeError(Self.group("{num_bits: 8, block_structure: [128, 0], strategy: block}"), contains: ["'\(Self.group0).weights.block_structure' must be two positive integers"])
        expectRecipeError(Self.group("{num_bits: 8, scale_dtype: torch.float16}"), contains: ["'\(Self.group0).weights.scale_dtype' is not supported yet: only null"])
        expectRecipeError(Self.group("{num_bits: 8, zp_dtype: torch.int8}"), contains: ["'\(Self.group0).weights.zp_dtype' is not supported yet"])
        expectRecipeError(quantizationModifierRecipe("config_groups:\n  group_0:\n    targets: [Linear]\n    input_activations: {num_bits: 8, strategy: channel}"),
                          contains: ["'\(Self.group0).input_activations': strategy 'channel' is not supported for activations"])
        expectRecipeError(quantizationModifierRecipe("config_groups:\n  group_0:\n    targets: [Linear]"), contains: ["'\(Self.group0)' quantizes nothing"])
        expectRecipeError(quantizationModifierRecipe("config_groups:\n  group_0:\n    weights: {num_bits: 4}"), contains: ["recipe: missing key '\(Self.group0).targets'"])
        expectRecipeError(quantizationModifierRecipe("config_groups:\n  group_0:\n    targets: []\n    weights: {num_bits: 8}"), contains: ["'\(Self.group0)': a scheme needs at least one target"])
        expectRecipeError(quantizationModifierRecipe("scheme: W8A8\nignore: [\"re:(\"]"), contains: ["'\(Self.modifier).ignore[0]': invalid regular expression"])
        expectRecipeError(quantizationModifierRecipe("scheme: W8A8\nconfig_groups: {g: {targets: [Linear], weights: {num_bits: 8}}}"), contains: ["sets both 'scheme' and 'config_groups'"])
        expectRecipeError(quantizationModifierRecipe("scheme: W8A8\nweight_observer: mse\nobserver: {input: minmax}"), contains: ["sets both 'observer' and weight_observer"])
        expectRecipeError(quantizationModifierRecipe("kv_cache_scheme: {num_bits: 8, type: float, symmetric: false}"), contains: ["'\(Self.modifier).kv_cache_scheme': float (fp8) quantization must be symmetric"])
    }

    // MARK: unsupported features

    @Test func unsupportedModifiers() {
        for name in ["SparseGPTModifier", "QuIPModifier"] {
            let message = expectRecipeError("default_stage:\n  default_modifiers:\n    \(name): {}\n", contains: [])
            #expect(message == "recipe: modifier '\(name)' is not supported yet (supported: QuantizationModifier, GPTQModifier, SmoothQuantModifier, AWQModifier)")
        }
        // The first unsupported modifier is reported.
        expectRecipeError("default_stage:\n  default_modifiers:\n    SparseGPTModifier: {}\n    GPTQModifier:\n      targets: [Linear]\n      ignore: [lm_head]\n      scheme: W8A8\n",
                          contains: ["modifier 'SparseGPTModifier' is not supported yet"])
        expectRecipeError("a_stage:\n  a_modifiers:\n    QuantizationModifier: {scheme: W8A8}\nb_stage:\n  b_modifiers:\n    QuantizationModifier: {scheme: W4A16}\n",
                          contains: ["more than one modifier with a quantization scheme ('a_stage.a_modifiers.QuantizationModifier' and 'b_stage.b_modifiers.QuantizationModifier')"])
        expectRecipeError("a_stage:\n  a_modifiers:\n    GPTQModifier: {scheme: W8A8}\n    QuantizationModifier: {scheme: W4A16}\n",
                          contains: ["more than one modifier with a quantization scheme"])
    }

    @Test func gptqModifierFields() {
        let gptq = "default_stage:\n  default_modifiers:\n    GPTQModifier:\n      scheme: W4A16\n"
        let path = "default_stage.default_modifiers.GPTQModifier"
        expectRecipeError(gptq + "      block_size: 0\n", contains: ["'\(path).block_size' must be 1…65536, got 0"])
        expectRecipeError(gptq + "      dampening_frac: -1\n", contains: ["'\(path).dampening_frac' must be a number from 0 to 100"])
        expectRecipeError(gptq + "      actorder: group\n", contains: ["'\(path).actorder': actorder 'group' was removed from compressed-tensors"])
        expectRecipeError(gptq + "      sequential_targets: [LlamaAttention]\n", contains: ["'\(path).sequential_targets' (sequential targets other than the decoder layer"])
        expectRecipeError(gptq + "      true_sequential: true\n", contains: ["true_sequential"])
        expectRecipeError("default_stage:\n  default_modifiers:\n    GPTQModifier:\n      actorder: static\n      config_groups:\n        g:\n          targets: [Linear]\n          weights: {num_bits: 4, strategy: group, group_size: 32, actorder: weight}\n",
                          contains: ["config group 'g': weights.actorder 'weight' differs from the modifier's actorder 'static'"])
    }

    @Test func unsupportedProcessTypes() {
        for type in ["quarot", "flex_smooth_quant"] {
            let message = expectRecipeError("apiversion: modelslim_v1\nspec:\n  process:\n    - type: \(type)\n      alpha: 0.5\n", contains: [])
            #expect(message == "recipe: process type '\(type)' is not supported yet (supported: iter_smooth, smooth_quant, linear_quant, dynamic_cache)")
        }
        expectRecipeError("apiversion: modelslim_v1\nspec:\n  process:\n    - type: dynamic_cache\n      qconfig: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}\n",
                          contains: ["'spec.process[0]': dynamic_cache before any linear_quant process is not supported yet"])
        expectRecipeError("apiversion: modelslim_v1\nspec:\n  process:\n    - qconfig: {}\n", contains: ["missing key 'spec.process[0].type'"])
    }

    @Test func unsupportedModelSlimSettings() {
        let weight = "{scope: per_channel, dtype: int8, symmetric: true, method: minmax}"
        expectRecipeError(Self.slim("qconfig: {weight: {scope: per_channel, dtype: int8, symmetric: true, method: mse}}"),
                          contains: ["'spec.process[0].qconfig.weight.method' value 'mse' is not supported yet (supported: minmax, gptq)"])
        expectRecipeError(Self.slim("qconfig: {weight: {scope: per_tensor, dtype: int8, symmetric: true, method: gptq}}"),
                          contains: ["'spec.process[0].qconfig.weight.method' value 'gptq' is not supported yet (supported: minmax (per_tensor))"])
        expectRecipeError(Self.slim("qconfig: {weight: {scope: per_channel, dtype: mxfp4, symmetric: true, method: minmax}}"),
                          contains: ["'spec.process[0].qconfig.weight.dtype' value 'mxfp4' is not supported yet (supported: int8, int4, fp8_e4m3)"])
        expectRecipeError(Self.slim("qconfig: {weight: {scope: per_block, dtype: int8, symmetric: true, method: minmax}}"),
                          contains: ["'spec.process[0].qconfig.weight.scope' value 'per_block' is not supported yet"])
        expectRecipeError(Self.slim("qconfig: {weight: {scope: per_group, dtype: int4, symmetric: true, method: minmax}}"),
                          contains: ["missing key 'spec.process[0].qconfig.weight.ext.group_size'"])
        expectRecipeError(Self.slim("qconfig: {weight: {scope: per_channel, dtype: int4, symmetric: true, method: minmax, ext: {group_size: 64}}}"),
                          contains: ["'spec.process[0].qconfig.weight.ext.group_size' needs scope: per_group"])
        expectRecipeError(Self.slim("qconfig: {weight: {scope: per_channel, dtype: int8, method: minmax}}"),
                          contains: ["missing key 'spec.process[0].qconfig.weight.symmetric'"])
        expectRecipeError(Self.slim("qconfig: {act: {scope: per_tensor, dtype: int8, symmetric: true, method: minmax}}"),
                          contains: ["missing key 'spec.process[0].qconfig.weight'"])
        expectRecipeError(Self.slim("qconfig: {weight: \(weight), act: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}}"),
                          contains: ["'spec.process[0].qconfig.act.scope' value 'per_channel' is not supported yet (supported: per_tensor, per_token)"])
        expectRecipeError(Self.slim("qconfig: {weight: \(weight), act: {scope: per_tensor, dtype: int4, symmetric: true, method: minmax}}"),
                          contains: ["'spec.process[0].qconfig.act.dtype' value 'int4' is not supported yet (supported: int8, fp8_e4m3, float)"])
        expectRecipeError(Self.slim("qconfig: {weight: \(weight), act: {scope: per_tensor, dtype: int8, symmetric: true, method: histogram}}"),
                          contains: ["'spec.process[0].qconfig.act.method' value 'histogram' is not supported yet"])
        expectRecipeError(Self.slim("qconfig: {weight: \(weight), act: {scope: per_tensor, dtype: int8, symmetric: false, method: minmax, ext: {aggregation_type: median}}}"),
                          contains: ["'spec.process[0].qconfig.act.ext.aggregation_type'", "median"])
        expectRecipeError(Self.slim("qconfig: {weight: \(weight), act: {scope: per_token, dtype: fp8_e4m3, symmetric: false, method: minmax}}"),
                          contains: ["'spec.process[0].qconfig.act': float (fp8) quantization must be symmetric"])
        expectRecipeError(Self.slim("qconfig: {weight: \(weight)}", save: "- {type: ascendv1_saver, ext: {dtype: bf16}}"),
                          contains: ["'spec.save[0].ext' (saver options) is not supported yet"])
        expectRecipeError(Self.slim("qconfig: {weight: \(weight)}", prior: "- {process: [], dataset: a.jsonl}"),
                          contains: ["'spec.prior' (prior stages) is not supported yet"])
        expectRecipeError("apiversion: modelslim_v1\nspec:\n  process:\n    - {type: linear_quant, qconfig: {weight: \(weight)}, exclude: [lm_head]}\n    - {type: linear_quant, qconfig: {weight: \(weight)}}\n",
                          contains: ["'spec.process[1].exclude' differs from 'spec.process[0].exclude'"])
        expectRecipeError(Self.slim("qconfig: {weight: \(weight)}\ninclude: []"), contains: ["'spec.process[0].include' is empty"])
        expectRecipeError(Self.slim("qconfig: {weight: \(weight)}\nexclude: ['layers.[z-a]']"), contains: ["'spec.process[0].exclude[0]': invalid regular expression"])
    }

    @Test func extraTopLevelKeysMustHoldAnchors() throws {
        // An anchor holder changes nothing even when unused (real msModelSlim recipes carry them).
        _ = try RecipeParser.parse("helper: &h {num_bits: 4}\n" + quantizationModifierRecipe("scheme: W8A8"))
        expectRecipeError("helper: {num_bits: 4}\n" + quantizationModifierRecipe("scheme: W8A8"), contains: ["unknown key 'helper'"])
        expectRecipeError("apiversion: modelslim_v1\nunused: {a: 1}\nspec: {process: []}\n", contains: ["unknown key 'unused'"])
        expectRecipeError("apiversion: modelslim_v1\nunused: &u {a: 1}\nspec: {process: []}\n", contains: ["no quantization requested"])
    }

    @Test func descriptionIsFoldedToOneLine() {
        #expect(RecipeError("a\nb\r\n  c").description == "recipe: a b c")
    }

    /// A modelslim_v1 recipe with one process whose body (after `type: linear_quant`) is `process`.
    static func slim(_ process: String, save: String? = nil, runner: String? = nil, prior: String? = nil) -> String {
        var text = "apiversion: modelslim_v1\nspec:\n  process:\n    - type: linear_quant\n"
        text += process.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n") + "\n"
        if let save { text += "  save:\n    " + save + "\n" }
        if let runner { text += "  runner: \(runner)\n" }
        if let prior { text += "  prior:\n    " + prior + "\n" }
        return text
    }
}
