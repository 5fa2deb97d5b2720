import Foundation
import Testing
@testable import Recipes

/// Locates ../shared (or $SWIFTQUANT_SHARED) from this file.
enum RecipeAssets {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let shared: URL = {
        if let env = ProcessInfo.processInfo.environment["SWIFTQUANT_SHARED"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    /// A real msModelSlim 26.1.0 recipe kept in ../shared/reference/ascend.
    static func ascendRecipe(_ name: String) -> URL {
        shared.appendingPathComponent("reference/ascend/\(name).config.yaml")
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
