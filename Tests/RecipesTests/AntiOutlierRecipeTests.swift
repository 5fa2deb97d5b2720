import Foundation
import Quantization
import TestAssets
import Testing
@testable import Recipes

/// modelslim_v1 `iter_smooth` / `smooth_quant` processes and msModelSlim's anti-outlier names.
@Suite("msModelSlim anti-outlier processes and methods")
struct AntiOutlierRecipeTests {
    static let fixtures = TestAssets.fixture("recipes/modelslim")

    static func recipe(_ process: String) -> String {
        """
        apiversion: modelslim_v1
        spec:
          process:
        \(process.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            - type: linear_quant
              qconfig:
                act: {scope: per_tensor, dtype: int8, symmetric: false, method: minmax}
                weight: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}
              include: ["*"]

        """
    }

    /// msModelSlim's lab_practice/default/default-w8a8.yaml: iter_smooth with its defaults, then per-token W8A8.
    @Test func defaultW8A8() throws {
        let recipe = try RecipeParser.load(contentsOf: Self.fixtures.appendingPathComponent("default-w8a8.yaml"))
        var expected = ModelSlimSmoothSpec(process: .iterSmooth)
        expected.include = ["re:^.*$"]
        #expect(recipe.modifiers == [.modelSlimSmooth(expected), .modelSlimLinearQuant(.init())])
        guard case .modelSlimSmooth(let spec) = recipe.modifiers.first else { Issue.record("no smoothing"); return }
        #expect(spec.alpha == 0.9 && spec.scaleMin == 1e-5)
        #expect(spec.subgraphs == ["norm-linear", "linear-linear", "ov", "up-down"])
        #expect(spec.include == ["re:^.*$"] && spec.exclude.isEmpty)
        #expect(recipe.groups.first?.scheme.inputActivations?.dynamic.isDynamic == true)
        let w8a16 = try RecipeParser.load(contentsOf: Self.fixtures.appendingPathComponent("default-w8a16.yaml"))
        #expect(w8a16.modifiers == [.modelSlimLinearQuant(.init())])
    }

    @Test func iterSmoothFields() throws {
        let recipe = try RecipeParser.parse(Self.recipe("""
            - type: iter_smooth
              alpha: 0.5
              scale_min: 0.001
              symmetric: true
              enable_subgraph_type: [norm-linear, up-down]
              include: ["*"]
              exclude: ["*.layers.0.*"]
            """))
        var expected = ModelSlimSmoothSpec(process: .iterSmooth)
        expected.alpha = 0.5
        expected.scaleMin = 0.001
        expected.subgraphs = ["norm-linear", "up-down"]
        expected.include = ["re:^.*$"]
        expected.exclude = ["re:^.*\\.layers\\.0\\..*$"]
        #expect(recipe.modifiers == [.modelSlimSmooth(expected), .modelSlimLinearQuant(.init())])
    }

    @Test func asymmetricSmoothingAddsBiases() throws {
        let recipe = try RecipeParser.parse(Self.recipe("- type: iter_smooth\n  symmetric: false\n"))
        guard case .modelSlimSmooth(let spec) = recipe.modifiers.first else { Issue.record("no smoothing"); return }
        #expect(!spec.symmetric && recipe.modifiers.first?.addsBiases == true)
        #expect(ModifierSpec.modelSlimSmooth(ModelSlimSmoothSpec(process: .smoothQuant)).addsBiases == false)
        var osPlus = OutlierSuppressionPlusSpec()
        #expect(!ModifierSpec.outlierSuppressionPlus(osPlus).addsBiases)
        osPlus.shift = true
        #expect(ModifierSpec.outlierSuppressionPlus(osPlus).addsBiases)
    }

    @Test func smoothQuantFields() throws {
        let recipe = try RecipeParser.parse(Self.recipe("- type: smooth_quant\n  alpha: 0.6\n"))
        var expected = ModelSlimSmoothSpec(process: .smoothQuant)
        expected.alpha = 0.6
        #expect(recipe.modifiers == [.modelSlimSmooth(expected), .modelSlimLinearQuant(.init())])
        #expect(expected.subgraphs == ["norm-linear"])
    }

    @Test func refusedByName() {
        expectRecipeError(Self.recipe("- type: iter_smooth\n  enable_subgraph_type: [norm-linear, qkv]\n"),
                          contains: ["'spec.process[0].enable_subgraph_type[1]' must be one of: norm-linear, linear-linear, ov, up-down (got 'qkv')"])
        expectRecipeError(Self.recipe("- type: iter_smooth\n  alpha: 1.5\n"), contains: ["'spec.process[0].alpha' must be between 0 and 1, got 1.5"])
        expectRecipeError(Self.recipe("- type: smooth_quant\n  scale_min: 0.1\n"), contains: ["unknown key 'spec.process[0].scale_min'"])
        expectRecipeError(Self.recipe("- type: iter_smooth\n  beta: 0.1\n"), contains: ["unknown key 'spec.process[0].beta'"])
        expectRecipeError("apiversion: modelslim_v1\nspec:\n  process:\n    - type: iter_smooth\n",
                          contains: ["'spec.process' has iter_smooth but no linear_quant: a smoothed float output is not supported yet"])
        let after = """
            apiversion: modelslim_v1
            spec:
              process:
                - type: linear_quant
                  qconfig: {weight: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}}
                - type: iter_smooth

            """
        expectRecipeError(after, contains: ["'spec.process[1]' (iter_smooth) comes after the linear_quant process 'spec.process[0]'"])
    }

    @Test func antiOutlierMethods() throws {
        #expect(try AntiOutlierMethod(parsing: "M4") == .m4)
        #expect(try AntiOutlierMethod(parsing: "m1").modifierSpec(forW8A8: true) == .modelSlimSmooth(ModelSlimSmoothSpec(process: .smoothQuant)))
        #expect(try AntiOutlierMethod.m4.modifierSpec(forW8A8: true) == .modelSlimSmooth(ModelSlimSmoothSpec(process: .iterSmooth)))
        #expect(try AntiOutlierMethod.m2.modifierSpec(forW8A8: true) == .outlierSuppressionPlus(OutlierSuppressionPlusSpec()))
        #expect(try AntiOutlierMethod.m3.modifierSpec(forW8A8: false) == .awq(AWQSpec()))
        do {
            _ = try AntiOutlierMethod(parsing: "m7")
            Issue.record("m7 accepted")
        } catch {
            #expect("\(error)" == "recipe: unknown anti-outlier method 'm7' (known: m1 (SmoothQuant), m2 (Outlier Suppression+), m3 (AWQ), m4 (iter_smooth), m5 (CBQ), m6 (flex smooth))")
        }
        for method in [AntiOutlierMethod.m5, .m6] {
            do {
                _ = try method.modifierSpec(forW8A8: true)
                Issue.record("\(method) accepted")
            } catch {
                #expect("\(error)".contains("is not supported yet (supported: m1 (SmoothQuant), m2 (Outlier Suppression+), m3 (AWQ), m4 (iter_smooth))"))
                #expect(!"\(error)".contains("\n"))
            }
        }
        #expect(throws: RecipeError.self) { try AntiOutlierMethod.m1.modifierSpec(forW8A8: false) }
    }
}
