import Foundation
import Yams

/// Parses quantization recipes written for llm-compressor (`<name>_stage:` / `<name>_modifiers:` /
/// `QuantizationModifier:`) or msModelSlim (`apiversion: modelslim_v1`) into a `Recipe`.
///
/// Parsing is strict: every key is checked against the fields the peer tool defines, every value
/// against its type, and anything SwiftQuant cannot do yet is an error rather than silently ignored.
/// Every error is a `RecipeError` whose description is one line naming the offending key path.
public enum RecipeParser {
    /// Parses recipe text; the result keeps `text` as given.
    public static func parse(_ text: String) throws -> Recipe {
        let root = try compose(text)
        let mapping = try root.mapping()
        if mapping["apiversion"] != nil {
            return try ModelSlimRecipeReader.read(root, text: text)
        }
        return try LLMCompressorRecipeReader.read(mapping, text: text)
    }

    /// The largest recipe file read (recipes are a few KiB).
    public static let maxFileBytes = 4 << 20

    /// Reads and parses a recipe file (UTF-8).
    public static func load(contentsOf url: URL) throws -> Recipe {
        // Checked before reading: a FIFO or device would block or never end, a huge file is no recipe.
        var info = stat()
        guard stat(url.path, &info) == 0 else { throw RecipeError("'\(url.path)' does not exist") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw RecipeError("'\(url.path)' is not a regular file") }
        guard Int(info.st_size) <= maxFileBytes else {
            throw RecipeError("'\(url.path)' is \(info.st_size) bytes: a recipe may be at most \(maxFileBytes) bytes")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw RecipeError("cannot read '\(url.path)': \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RecipeError("'\(url.path)' is not UTF-8 text")
        }
        return try parse(text)
    }

    /// The error for a recipe that asks for no quantization at all.
    static var noQuantization: RecipeError {
        RecipeError("no quantization requested: add a QuantizationModifier with scheme or config_groups (llm-compressor) or a linear_quant process (modelslim_v1)")
    }

    /// The document's root node; empty input, YAML errors and non-mapping roots are errors.
    private static func compose(_ text: String) throws -> RecipeNode {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error)
        } catch {
            throw RecipeError("invalid YAML: \(error)")
        }
        guard let node, !RecipeNode(node, path: "").isNull else {
            throw RecipeError("the recipe is empty")
        }
        let root = RecipeNode(node, path: "")
        guard case .mapping = node else {
            throw RecipeError("the top level must be a mapping (llm-compressor stages or apiversion/spec), got \(root.shown)")
        }
        return root
    }

    /// A one-line message for a Yams error, with line and column when known.
    static func syntaxError(_ error: YamlError) -> RecipeError {
        func located(_ problem: String, _ mark: Mark, _ context: YamlError.Context?) -> RecipeError {
            let during = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return RecipeError("invalid YAML at line \(mark.line), column \(mark.column): \(problem)\(during)")
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return located(problem, mark, context)
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return RecipeError("invalid YAML: duplicate key \(keys) in a mapping (first at line \(context.mark.line), column \(context.mark.column))")
        case let .reader(problem, offset, _, _):
            return RecipeError("invalid YAML: \(problem)" + (offset.map { " at character \($0)" } ?? ""))
        default:
            return RecipeError("invalid YAML: \(error)")
        }
    }
}
