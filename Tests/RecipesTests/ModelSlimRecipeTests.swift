import Formats
import Foundation
import Quantization
import Testing
@testable import Recipes

@Suite("msModelSlim modelslim_v1 recipes")
struct ModelSlimRecipeTests {
    static let int8Channel = QuantizationArgs(numBits: 8, type: .int, symmetric: true, strategy: .channel)

    /// ../shared/reference/ascend/v1_stories_w8a16.config.yaml (real msModelSlim 26.1.0 run).
    @Test func storiesW8A16() throws {
        let recipe = try RecipeParser.load(contentsOf: RecipeAssets.ascendRecipe("v1_stories_w8a16"))
        #expect(recipe.syntax == .modelSlimV1)
        #expect(recipe.groups.map(\.name) == ["group_0"])
        #expect(recipe.groups.first?.scheme == QuantizationScheme(targets: ["Linear"], weights: Self.int8Channel))
        #expect(recipe.ignore == ["re:^lm_head$"])
        #expect(recipe.save == [FormatConfig(type: "ascendv1_saver", partFileSize: 4)])
        #expect(recipe.dataset == "calib_stories.jsonl")
        #expect(recipe.kvCacheScheme == nil)
    }

    /// ../shared/reference/ascend/v1_stories_w8a8_static.config.yaml: asymmetric static per-tensor int8 activations.
    @Test func storiesW8A8Static() throws {
        let recipe = try RecipeParser.load(contentsOf: RecipeAssets.ascendRecipe("v1_stories_w8a8_static"))
        let inputs = QuantizationArgs(numBits: 8, type: .int, symmetric: false, strategy: .tensor, observer: "static_minmax")
        #expect(recipe.groups.first?.scheme == QuantizationScheme(targets: ["Linear"], weights: Self.int8Channel, inputActivations: inputs))
        #expect(recipe.ignore == ["re:^lm_head$"])
    }

    /// ../shared/reference/ascend/v1_smol_fp32_w8a8_static_layer0.config.yaml: include `model.layers.0.*`.
    @Test func layerZeroInclude() throws {
        let recipe = try RecipeParser.load(contentsOf: RecipeAssets.ascendRecipe("v1_smol_fp32_w8a8_static_layer0"))
        #expect(recipe.groups.first?.scheme.targets == [#"re:^model\.layers\.0\..*$"#])
        let pattern = try ModulePattern(try #require(recipe.groups.first?.scheme.targets.first))
        #expect(pattern.matches(path: "model.layers.0.self_attn.q_proj", classNames: ["Linear"]))
        #expect(!pattern.matches(path: "model.layers.10.self_attn.q_proj", classNames: ["Linear"]))
    }

    @Test func compressedTensorsSaveWithAnchorsAndDynamicActivations() throws {
        let recipe = try RecipeParser.parse("""
            apiversion: modelslim_v1
            metadata:
              config_id: w8a8-dynamic
              score: 50
              verified_model_types: []
              label: {w_bit: 8, a_bit: 8, is_sparse: False, kv_cache: False}
            default_w8a8_dynamic: &default_w8a8_dynamic
              act: {scope: "per_token", dtype: "int8", symmetric: True, method: "minmax"}
              weight: {scope: "per_channel", dtype: "int8", symmetric: True, method: "minmax"}
            spec:
              runner: layer_wise
              process:
                - type: "linear_quant"
                  qconfig: *default_w8a8_dynamic
                  exclude: ["lm_head", "*.down_proj"]
              save:
                - type: compressed_tensors
                  part_file_size: 4
                  ext: {}
            """)
        #expect(recipe.groups.first?.scheme == (try QuantizationPreset.scheme(named: "W8A8", targets: ["Linear"])))
        #expect(recipe.ignore == ["re:^lm_head$", #"re:^.*\.down_proj$"#])
        #expect(recipe.save == [FormatConfig(type: "compressed_tensors", partFileSize: 4)])
        #expect(recipe.dataset == nil)
    }

    @Test func int4GroupAndTwoSaves() throws {
        let recipe = try RecipeParser.parse("""
            apiversion: modelslim_v1
            spec:
              process:
                - type: linear_quant
                  qconfig:
                    weight: {scope: per_group, dtype: int4, symmetric: false, method: minmax, ext: {group_size: 64}}
                    act: {scope: per_tensor, dtype: float, symmetric: true, method: none}
                  include: ["*.mlp.*"]
                - type: linear_quant
                  qconfig:
                    weight: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}
                    act: {scope: per_token, dtype: int8, symmetric: true, method: minmax}
              save:
                - {type: ascendv1_saver, part_file_size: 0}
                - {type: compressed_tensors}
            """)
        #expect(recipe.groups.map(\.name) == ["group_0", "group_1"])
        #expect(recipe.groups[0].scheme == QuantizationScheme(
            targets: [#"re:^.*\.mlp\..*$"#],
            weights: QuantizationArgs(numBits: 4, symmetric: false, groupSize: 64, strategy: .group)))
        #expect(recipe.groups[1].scheme == (try QuantizationPreset.scheme(named: "W8A8", targets: ["Linear"])))
        #expect(recipe.ignore.isEmpty)
        #expect(recipe.save == [FormatConfig(type: "ascendv1_saver", partFileSize: 0), FormatConfig(type: "compressed_tensors")])
    }

    /// fp8 weights: symmetric per channel parse (WFP8AFP8_DYNAMIC); other fp8 weight scopes are
    /// refused by the field's path.
    @Test func fp8WeightsPerChannelOnly() throws {
        let recipe = try RecipeParser.parse("""
            apiversion: modelslim_v1
            spec:
              process:
                - type: linear_quant
                  qconfig:
                    weight: {scope: per_channel, dtype: fp8_e4m3, symmetric: true, method: minmax}
                    act: {scope: per_token, dtype: fp8_e4m3, symmetric: true, method: minmax}
            """)
        #expect(recipe.groups[0].scheme.weights?.type == .float)
        #expect(recipe.groups[0].scheme.inputActivations?.resolvedStrategy == .token)
        #expect {
            try RecipeParser.parse("""
                apiversion: modelslim_v1
                spec:
                  process:
                    - type: linear_quant
                      qconfig:
                        weight: {scope: per_tensor, dtype: fp8_e4m3, symmetric: true, method: minmax}
                """)
        } throws: { error in
            "\(error)".contains("'spec.process[0].qconfig.weight.scope' (fp8 weights other than symmetric per_channel")
        }
    }

    @Test func globToTarget() {
        #expect(GlobPattern.target("*") == "Linear")
        #expect(GlobPattern.target("*.down_proj") == #"re:^.*\.down_proj$"#)
        #expect(GlobPattern.target("lm_head") == "re:^lm_head$")
        #expect(GlobPattern.target("model.layers.0.*") == #"re:^model\.layers\.0\..*$"#)
        #expect(GlobPattern.target("model.layers.?.mlp.[gu]*_proj") == #"re:^model\.layers\..\.mlp\.[gu].*_proj$"#)
        #expect(GlobPattern.target("layers.[!0].x") == #"re:^layers\.[^0]\.x$"#)
        #expect(GlobPattern.target("a[b") == #"re:^a\[b$"#)
        #expect(GlobPattern.target("a+(b)|{c}$") == #"re:^a\+\(b\)\|\{c\}\$$"#)
    }

    @Test func globPatternsMatchLikeFnmatch() throws {
        let pattern = try ModulePattern(GlobPattern.target("*.down_proj"))
        #expect(pattern.matches(path: "model.layers.3.mlp.down_proj", classNames: []))
        #expect(!pattern.matches(path: "model.layers.3.mlp.down_proj.extra", classNames: []))
        #expect(!pattern.matches(path: "down_proj", classNames: []))
        let exact = try ModulePattern(GlobPattern.target("lm_head"))
        #expect(exact.matches(path: "lm_head", classNames: []))
        #expect(!exact.matches(path: "lm_head_2", classNames: []))
    }
}
