import Foundation
import Formats
import Quantization
import Testing
@testable import Recipes

@Suite("llm-compressor recipes")
struct LLMCompressorRecipeTests {
    /// anchors.md `rtn_w4a16_g64`.
    static let rtnW4A16G64 = """
        default_stage:
          default_modifiers:
            QuantizationModifier:
              ignore: [lm_head]
              config_groups:
                group_0:
                  targets: [Linear]
                  weights:
                    num_bits: 4
                    type: int
                    symmetric: true
                    strategy: group
                    group_size: 64
        """

    /// anchors.md `rtn_w8a8`.
    static let rtnW8A8 = """
        default_stage:
          default_modifiers:
            QuantizationModifier:
              targets: [Linear]
              ignore: [lm_head]
              scheme: W8A8
        """

    /// anchors.md `gptq_w4a16_g64`.
    static let gptqW4A16G64 = """
        default_stage:
          default_modifiers:
            GPTQModifier:
              ignore: [lm_head]
              config_groups:
                group_0:
                  targets: [Linear]
                  weights:
                    num_bits: 4
                    type: int
                    symmetric: true
                    strategy: group
                    group_size: 64
        """

    @Test func gptqDefaultsAndActorder() throws {
        let recipe = try RecipeParser.parse(Self.gptqW4A16G64)
        #expect(recipe.modifiers == [.gptq(GPTQSpec())])
        #expect(GPTQSpec().blockSize == 128 && GPTQSpec().dampeningFraction == 0.01 && GPTQSpec().actorder == .staticOrder)
        // GPTQModifier's default actorder is written into the weights, as llm-compressor does.
        #expect(recipe.groups[0].scheme.weights?.actorder == .staticOrder)
        #expect(recipe.ignore == ["lm_head"])

        let tuned = try RecipeParser.parse("""
            s_stage:
              s_modifiers:
                GPTQModifier:
                  scheme: W8A8
                  block_size: 64
                  dampening_frac: 0.05
                  actorder: null
                  offload_hessians: true
                  sequential_targets: [LlamaDecoderLayer]
            """)
        var spec = GPTQSpec()
        spec.blockSize = 64
        spec.dampeningFraction = 0.05
        spec.actorder = nil
        #expect(tuned.modifiers == [.gptq(spec)])
        #expect(tuned.groups[0].scheme.weights?.actorder == nil)
        // A QuantizationModifier recipe keeps actorder unset.
        #expect(try RecipeParser.parse(Self.rtnW4A16G64).groups[0].scheme.weights?.actorder == nil)
        #expect(try RecipeParser.parse(Self.rtnW4A16G64).modifiers == [.quantization])
    }

    @Test func smoothQuantThenGPTQ() throws {
        // anchors.md sq08_gptq_w8a8.
        let recipe = try RecipeParser.parse("""
            default_stage:
              default_modifiers:
                SmoothQuantModifier:
                  smoothing_strength: 0.8
                GPTQModifier:
                  targets: [Linear]
                  ignore: [lm_head]
                  scheme: W8A8
            """)
        var smooth = SmoothQuantSpec()
        smooth.smoothingStrength = 0.8
        #expect(recipe.modifiers == [.smoothQuant(smooth), .gptq(GPTQSpec())])
        // GPTQModifier's actorder goes into the channel-wise W8A8 weights too, as llm-compressor writes it.
        #expect(recipe.groups[0].scheme.weights?.actorder == .staticOrder)
        let custom = try RecipeParser.parse("""
            default_stage:
              default_modifiers:
                SmoothQuantModifier:
                  smoothing_strength: 0.5
                  algorithm: log_equalization
                  num_calibration_steps: 8
                  ignore: ['re:.*layers.0.*']
                  mappings:
                    - [['re:.*q_proj', 're:.*k_proj', 're:.*v_proj'], 're:.*input_layernorm']
                QuantizationModifier: {scheme: W8A8}
            """)
        guard case .smoothQuant(let read) = custom.modifiers.first else {
            Issue.record("no SmoothQuant modifier")
            return
        }
        #expect(read.algorithm == .logEqualization && read.ignore == ["re:.*layers.0.*"])
        #expect(read.mappings == [SmoothQuantSpec.Mapping(balance: ["re:.*q_proj", "re:.*k_proj", "re:.*v_proj"], smooth: "re:.*input_layernorm")])
    }

    @Test func awqThenQuantizationAndItsFields() throws {
        // anchors.md awq_w4a16_g64: llm-compressor's defaults.
        let plain = try RecipeParser.parse("""
            default_stage:
              default_modifiers:
                AWQModifier: {}
                QuantizationModifier:
                  ignore: [lm_head]
                  config_groups:
                    group_0:
                      targets: [Linear]
                      weights: {num_bits: 4, type: int, symmetric: true, strategy: group, group_size: 64}
            """)
        #expect(plain.modifiers == [.awq(AWQSpec()), .quantization])
        let tuned = try RecipeParser.parse("""
            default_stage:
              default_modifiers:
                AWQModifier:
                  duo_scaling: both
                  n_grid: 10
                  offload_device: cpu
                  apply_clip: true
                  clip_max_shrink: 0.3
                  mappings:
                    - smooth_layer: re:.*input_layernorm$
                      balance_layers: ['re:.*q_proj$', 're:.*k_proj$', 're:.*v_proj$']
                GPTQModifier: {scheme: W4A16, ignore: [lm_head]}
            """)
        var spec = AWQSpec()
        spec.duoScaling = .both
        spec.nGrid = 10
        spec.applyClip = true
        spec.clipMaxShrink = 0.3
        spec.mappings = [AWQSpec.Mapping(smooth: "re:.*input_layernorm$", balance: ["re:.*q_proj$", "re:.*k_proj$", "re:.*v_proj$"])]
        #expect(tuned.modifiers == [.awq(spec), .gptq(GPTQSpec())])
        let tail = "    QuantizationModifier: {scheme: W4A16}\n"
        func awq(_ body: String) -> String { "s_stage:\n  s_modifiers:\n    AWQModifier:\n" + body + tail }
        expectRecipeError(awq("      duo_scaling: sometimes\n"), contains: ["duo_scaling", "sometimes"])
        expectRecipeError(awq("      n_grid: 1\n"), contains: ["n_grid' must be an integer from 2 to 1000"])
        expectRecipeError(awq("      offload_device: cuda:0\n"), contains: ["offload_device", "cuda:0"])
        expectRecipeError(awq("      clip_n_grid: 10\n"), contains: ["clip_n_grid' applies with apply_clip: true"])
        expectRecipeError(awq("      scheme: W4A16\n"), contains: ["scheme"])
        expectRecipeError(awq("      mappings:\n        - smooth_layer: re:.*input_layernorm$\n          balance_layers: ['re:.*q_proj$']\n          activation_hook_target: mlp\n"),
                          contains: ["activation_hook_target", "not supported yet"])
        expectRecipeError(awq("      mappings:\n        - smooth_layer: re:.*input_layernorm$\n"), contains: ["balance_layers"])
    }

    @Test func rtnW4A16Group64() throws {
        let recipe = try RecipeParser.parse(Self.rtnW4A16G64)
        #expect(recipe.syntax == .llmCompressor)
        #expect(recipe.groups.map(\.name) == ["group_0"])
        let expected = QuantizationScheme(
            targets: ["Linear"],
            weights: QuantizationArgs(numBits: 4, type: .int, symmetric: true, groupSize: 64, strategy: .group))
        #expect(recipe.groups.first?.scheme == expected)
        #expect(recipe.ignore == ["lm_head"])
        #expect(recipe.kvCacheScheme == nil)
        #expect(recipe.save.isEmpty)
        #expect(recipe.dataset == nil)
        #expect(recipe.groupFormats.isEmpty)
        #expect(recipe.text == Self.rtnW4A16G64)
    }

    @Test func rtnW8A8Preset() throws {
        let recipe = try RecipeParser.parse(Self.rtnW8A8)
        #expect(recipe.groups.map(\.name) == ["group_0"])
        #expect(recipe.groups.first?.scheme == (try QuantizationPreset.scheme(named: "W8A8", targets: ["Linear"])))
        let scheme = try #require(recipe.groups.first?.scheme)
        #expect(scheme.weights == QuantizationArgs(numBits: 8, type: .int, symmetric: true, strategy: .channel))
        #expect(scheme.inputActivations == QuantizationArgs(numBits: 8, type: .int, symmetric: true, strategy: .token, dynamic: .dynamic))
        #expect(recipe.ignore == ["lm_head"])
    }

    @Test func schemeMappingOfPresetToTargets() throws {
        let recipe = try RecipeParser.parse(quantizationModifierRecipe("scheme: {W4A16: [Linear]}\nignore: [lm_head]"))
        #expect(recipe.groups.map(\.name) == ["group_0"])
        #expect(recipe.groups.first?.scheme == (try QuantizationPreset.scheme(named: "W4A16", targets: ["Linear"])))

        let two = try RecipeParser.parse(quantizationModifierRecipe("""
            scheme:
              W8A8: ["re:.*q_proj$", "re:.*k_proj$"]
              w4a16: Linear
            """))
        #expect(two.groups.map(\.name) == ["group_0", "group_1"])
        #expect(two.groups[0].scheme == (try QuantizationPreset.scheme(named: "W8A8", targets: ["re:.*q_proj$", "re:.*k_proj$"])))
        #expect(two.groups[1].scheme == (try QuantizationPreset.scheme(named: "W4A16", targets: ["Linear"])))
    }

    @Test func schemeStringUsesModifierTargets() throws {
        let recipe = try RecipeParser.parse(quantizationModifierRecipe("scheme: fp8_dynamic\ntargets: \"re:.*mlp.*\""))
        #expect(recipe.groups.first?.scheme == (try QuantizationPreset.scheme(named: "FP8_DYNAMIC", targets: ["re:.*mlp.*"])))
    }

    @Test func configGroupsKeepDeclarationOrder() throws {
        let recipe = try RecipeParser.parse(quantizationModifierRecipe("""
            config_groups:
              zeta:
                targets: ["re:.*down_proj$"]
                weights: {num_bits: 8, strategy: channel}
              alpha:
                targets: ["re:.*q_proj$"]
                weights: {num_bits: 4, group_size: 32}
              middle:
                targets: [Linear]
                weights: {num_bits: 4, symmetric: false, group_size: 128}
                input_activations: {num_bits: 8, strategy: token, dynamic: true}
            """))
        #expect(recipe.groups.map(\.name) == ["zeta", "alpha", "middle"])
        #expect(recipe.groups[0].scheme.weights == QuantizationArgs(numBits: 8, strategy: .channel))
        // group_size alone infers strategy group, as compressed-tensors does.
        #expect(recipe.groups[1].scheme.weights == QuantizationArgs(numBits: 4, groupSize: 32, strategy: .group))
        #expect(recipe.groups[2].scheme.weights?.symmetric == false)
        #expect(recipe.groups[2].scheme.inputActivations == QuantizationArgs(numBits: 8, strategy: .token, dynamic: .dynamic))
    }

    /// anchors.json `recipe_saved_by_llmcompressor` of rtn_w4a16_g64: every default written out.
    @Test func recipeSavedByLLMCompressorParses() throws {
        let recipe = try RecipeParser.parse("""
            default_stage:
              default_modifiers:
                QuantizationModifier:
                  config_groups:
                    group_0:
                      targets: [Linear]
                      weights:
                        num_bits: 4
                        type: int
                        symmetric: true
                        group_size: 64
                        strategy: group
                        block_structure: null
                        dynamic: false
                        actorder: null
                        scale_dtype: null
                        zp_dtype: null
                        observer: memoryless_minmax
                        observer_kwargs: {}
                      input_activations: null
                      output_activations: null
                      format: null
                  targets: [Linear]
                  ignore: [lm_head]
                  bypass_divisibility_checks: false
                  requires_calibration_data: false
            """)
        let expected = QuantizationArgs(numBits: 4, type: .int, symmetric: true, groupSize: 64, strategy: .group,
                                        observer: "memoryless_minmax")
        #expect(recipe.groups.first?.scheme == QuantizationScheme(targets: ["Linear"], weights: expected))
        #expect(recipe.ignore == ["lm_head"])
    }

    @Test func everyArgsField() throws {
        let recipe = try RecipeParser.parse(quantizationModifierRecipe("""
            config_groups:
              g:
                targets: [Linear]
                format: pack-quantized
                weights:
                  num_bits: 4
                  type: INT
                  symmetric: yes
                  strategy: Group
                  group_size: 16
                  actorder: static
                  observer: mse
                  observer_kwargs: {maxshrink: 0.3, grid: 50}
                output_activations: {num_bits: 8, type: float, strategy: tensor, dynamic: true}
              blocks:
                targets: ["re:.*o_proj$"]
                weights: {num_bits: 8, type: float, strategy: block, block_structure: [128, 128]}
                input_activations: {num_bits: 8, type: float, strategy: group, group_size: 128, dynamic: true}
            kv_cache_scheme: {num_bits: 8, type: float, strategy: tensor, dynamic: false, symmetric: true}
            """))
        let weights = try #require(recipe.groups.first?.scheme.weights)
        #expect(weights == QuantizationArgs(numBits: 4, type: .int, symmetric: true, groupSize: 16, strategy: .group,
                                            actorder: .staticOrder, observer: "mse",
                                            observerKwargs: ["maxshrink": 0.3, "grid": 50]))
        #expect(recipe.groups.first?.scheme.outputActivations == QuantizationArgs(numBits: 8, type: .float, strategy: .tensor, dynamic: .dynamic))
        #expect(recipe.groups.last?.scheme.weights?.blockStructure == [128, 128])
        #expect(recipe.groupFormats == ["g": "pack-quantized"])
        #expect(recipe.kvCacheScheme == QuantizationArgs(numBits: 8, type: .float, symmetric: true, strategy: .tensor))
    }

    @Test func kvCacheOnly() throws {
        let recipe = try RecipeParser.parse(quantizationModifierRecipe("kv_cache_scheme: {num_bits: 8, type: float}"))
        #expect(recipe.groups.isEmpty)
        #expect(recipe.kvCacheScheme == QuantizationArgs(numBits: 8, type: .float, strategy: .tensor))
    }

    @Test func observerOverrides() throws {
        let individual = try RecipeParser.parse(quantizationModifierRecipe("scheme: W8A8_STATIC\nweight_observer: mse\ninput_observer: static_minmax"))
        #expect(individual.groups.first?.scheme.weights?.observer == "mse")
        #expect(individual.groups.first?.scheme.inputActivations?.observer == "static_minmax")

        let map = try RecipeParser.parse(quantizationModifierRecipe("scheme: FP8\nobserver: {input: minmax}"))
        #expect(map.groups.first?.scheme.weights?.observer == nil)
        #expect(map.groups.first?.scheme.inputActivations?.observer == "minmax")
    }

    @Test func anchorsAliasesAndMergeKeys() throws {
        let recipe = try RecipeParser.parse("""
            int4_weights: &int4 {num_bits: 4, type: int, symmetric: true}
            quant_stage:
              quant_modifiers:
                QuantizationModifier:
                  config_groups:
                    attention:
                      targets: ["re:.*self_attn.*"]
                      weights:
                        <<: *int4
                        group_size: 32
                    mlp:
                      targets: ["re:.*mlp.*"]
                      weights: {<<: *int4, group_size: 64, symmetric: false}
            """)
        #expect(recipe.groups.map(\.name) == ["attention", "mlp"])
        #expect(recipe.groups[0].scheme.weights == QuantizationArgs(numBits: 4, groupSize: 32, strategy: .group))
        #expect(recipe.groups[1].scheme.weights == QuantizationArgs(numBits: 4, symmetric: false, groupSize: 64, strategy: .group))
    }

    @Test func acceptedModifierFieldsAndSeveralStages() throws {
        let recipe = try RecipeParser.parse("""
            first_stage:
              first_modifiers: {}
            quant_stage:
              quant_modifiers:
                QuantizationModifier:
                  scheme: W4A16
                  index: 0
                  group: quant
                  start: -1
                  end: null
                  bypass_divisibility_checks: false
            """)
        #expect(recipe.groups.count == 1)
        // Training-schedule values and skipped checks are refused by name, not ignored.
        for (field, message) in [("start: 2", "start' = '2' schedules the modifier during training"),
                                 ("update: 0.5", "update' = '0.5' schedules the modifier during training"),
                                 ("end: 3", "end' = '3' schedules"),
                                 ("bypass_divisibility_checks: true", "bypass_divisibility_checks' value 'true' is not supported yet")] {
            expectRecipeError(quantizationModifierRecipe("scheme: W4A16\n" + field), contains: [message])
        }
        expectRecipeError("s_stage:\n  run_type: train\n  m_modifiers:\n    QuantizationModifier: {scheme: W8A8}\n",
                          contains: ["'s_stage.run_type' value 'train' is not supported yet (supported: oneshot)"])
        #expect(try RecipeParser.parse("s_stage:\n  run_type: oneshot\n  m_modifiers:\n    QuantizationModifier: {scheme: W8A8}\n").groups.count == 1)
    }

    @Test func parsedButNotRunnableFieldsAreRefusedByName() throws {
        let formats = ["compressed_tensors"]
        // An fp8 per-tensor KV cache runs; a per-head one is refused by name.
        let kv = try RecipeParser.parse(quantizationModifierRecipe("scheme: W8A8\nkv_cache_scheme: {num_bits: 8, type: float}"))
        try kv.checkRunnable(formats: formats)
        #expect(kv.modifiers == [.kvCache(KVCacheSpec(args: QuantizationArgs(numBits: 8, type: .float, strategy: .tensor), convention: .compressedTensors)), .quantization])
        let perHead = try RecipeParser.parse(quantizationModifierRecipe("scheme: W8A8\nkv_cache_scheme: {num_bits: 8, type: float, strategy: attn_head}"))
        #expect(throws: RecipeError.self) { try perHead.checkRunnable(formats: formats) }
        do { try perHead.checkRunnable(formats: formats) } catch { #expect("\(error)".contains("kv_cache_scheme' (this KV-cache scheme")) }
        let output = try RecipeParser.parse(quantizationModifierRecipe("config_groups:\n  g:\n    targets: [Linear]\n    weights: {num_bits: 8}\n    output_activations: {num_bits: 8, type: float, dynamic: true, strategy: token}"))
        do { try output.checkRunnable(formats: formats); Issue.record("output_activations accepted") } catch { #expect("\(error)".contains("output_activations")) }
        let block = try RecipeParser.parse(quantizationModifierRecipe("config_groups:\n  g:\n    targets: [Linear]\n    weights: {num_bits: 8, type: float, strategy: block, block_structure: [128, 128]}"))
        do { try block.checkRunnable(formats: formats); Issue.record("block weights accepted") } catch { #expect("\(error)".contains("weights strategy 'block' is not supported yet")) }
        try RecipeParser.parse(quantizationModifierRecipe("scheme: W8A8")).checkRunnable(formats: formats)
    }

    @Test func loadFromFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("recipe-\(UInt64.random(in: 0...UInt64.max)).yaml")
        try Self.rtnW8A8.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let recipe = try RecipeParser.load(contentsOf: url)
        #expect(recipe.groups.count == 1)
        #expect(recipe.text == Self.rtnW8A8)

        #expect(throws: RecipeError.self) {
            try RecipeParser.load(contentsOf: url.appendingPathExtension("missing"))
        }
    }
}
