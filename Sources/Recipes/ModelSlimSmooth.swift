import Quantization

/// Reads a modelslim_v1 `iter_smooth` or `smooth_quant` process entry (msModelSlim 26.1.0
/// `IterSmoothProcessorConfig`, `SmoothQuantProcessorConfig`): every field is honoured or
/// refused by name.
enum ModelSlimSmooth {
    static let iterSmoothKeys = ["type", "alpha", "scale_min", "symmetric", "enable_subgraph_type", "include", "exclude"]
    static let smoothQuantKeys = ["type", "alpha", "symmetric", "include", "exclude"]

    static func read(_ node: RecipeNode, process: ModelSlimSmoothSpec.Process) throws -> ModelSlimSmoothSpec {
        let map = try node.mapping(allowed: process == .iterSmooth ? iterSmoothKeys : smoothQuantKeys)
        var spec = ModelSlimSmoothSpec(process: process)
        if let alpha = map.optional("alpha") {
            spec.alpha = try unit(alpha)
        }
        if let scaleMin = map.optional("scale_min") {
            spec.scaleMin = try unit(scaleMin)
        }
        if let symmetric = map.optional("symmetric") {
            spec.symmetric = try symmetric.bool()
        }
        if let kinds = map.optional("enable_subgraph_type") {
            let names = try kinds.strings()
            for (index, name) in names.enumerated() where !ModelSlimSmoothSpec.subgraphKinds.contains(name) {
                throw RecipeError.badValue(kinds.path + "[\(index)]", name, allowed: ModelSlimSmoothSpec.subgraphKinds)
            }
            spec.subgraphs = names
        }
        spec.include = try patterns(map.optional("include"))
        spec.exclude = try patterns(map.optional("exclude"))
        return spec
    }

    /// A number in [0, 1] (msModelSlim's `validate_normalized_value`).
    private static func unit(_ node: RecipeNode) throws -> Double {
        let value = try node.number()
        guard value >= 0, value <= 1 else {
            throw RecipeError("\(RecipeError.quoted(node.path)) must be between 0 and 1, got \(value)")
        }
        return value
    }

    /// Globs over full module paths as `re:` module patterns (a norm is matched by its path too).
    private static func patterns(_ node: RecipeNode?) throws -> [String] {
        guard let node else { return [] }
        let globs = try node.strings()
        return try globs.enumerated().map { index, glob in
            let pattern = "re:" + GlobPattern.regex(glob)
            do { _ = try ModulePattern(pattern) } catch { throw RecipeError.invalid(node.path + "[\(index)]", error) }
            return pattern
        }
    }
}
