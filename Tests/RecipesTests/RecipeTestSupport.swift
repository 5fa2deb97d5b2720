import Foundation
import TestAssets
import Testing
@testable import Recipes

/// The modelslim_v1 recipes of the real msModelSlim 26.1.0 runs (copied from the shared assets'
/// reference/ascend into Tests/Fixtures/recipes/ascend-runs).
enum RecipeAssets {
    static func ascendRecipe(_ name: String) -> URL {
        TestAssets.fixture("recipes/ascend-runs/\(name).config.yaml")
    }
}

/// Parses `text`, expecting a `RecipeError`; checks it is one line starting with `recipe: ` and
/// contains every fragment. Returns the message.
@discardableResult
func expectRecipeError(_ text: String, contains fragments: [String],
                       sourceLocation: SourceLocation = #_sourceLocation) -> String {
    do {
        let recipe = try RecipeParser.parse(text)
        Issue.record("expected an error, parsed \(recipe.groups.map(\.name))", sourceLocation: sourceLocation)
        return ""
    } catch let error as RecipeError {
        let message = error.description
        #expect(message.hasPrefix("recipe: "), "\(message)", sourceLocation: sourceLocation)
        #expect(!message.contains("\n") && !message.contains("\r"), "not one line: \(message)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(message.contains(fragment), "'\(fragment)' missing from: \(message)", sourceLocation: sourceLocation)
        }
        return message
    } catch {
        Issue.record("expected a RecipeError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return ""
    }
}

/// An llm-compressor recipe with one QuantizationModifier whose body is `body` (indented 6 spaces).
func quantizationModifierRecipe(_ body: String) -> String {
    let indented = body.split(separator: "\n", omittingEmptySubsequences: false)
        .map { $0.isEmpty ? "" : "      " + $0 }.joined(separator: "\n")
    return "quant_stage:\n  quant_modifiers:\n    QuantizationModifier:\n" + indented + "\n"
}
