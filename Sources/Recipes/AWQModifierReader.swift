import Quantization

/// Reads llm-compressor 0.14's AWQModifier, every field honoured or refused by name, and
/// SwiftQuant's clipping-search fields (`apply_clip`, `clip_n_grid`, `clip_max_shrink`).
enum AWQModifierReader {
    static let ownKeys = ["mappings", "offload_device", "duo_scaling", "n_grid", "apply_clip", "clip_n_grid", "clip_max_shrink"]
    static let keys = ownKeys + QuantizationModifierReader.ignoredKeys

    static func read(_ node: RecipeNode) throws -> AWQSpec {
        let map = try node.mapping(allowed: keys)
        try QuantizationModifierReader.checkIgnoredKeys(map)
        var spec = AWQSpec()
        if let value = map.optional("mappings"), !value.isNull {
            spec.mappings = try value.items().map { item in
                let entry = try item.mapping(allowed: ["smooth_layer", "balance_layers", "activation_hook_target"])
                let smooth = try entry.required("smooth_layer").string()
                let balanceNode = try entry.required("balance_layers")
                let balance = try balanceNode.strings()
                guard !balance.isEmpty else {
                    throw RecipeError("\(RecipeError.quoted(balanceNode.path)) must name at least one Linear")
                }
                for (index, pattern) in balance.enumerated() {
                    do { _ = try ModulePattern(pattern) } catch { throw RecipeError.invalid("\(balanceNode.path)[\(index)]", error) }
                }
                do { _ = try ModulePattern(smooth) } catch { throw RecipeError.invalid(item.childPath("smooth_layer"), error) }
                if let target = entry.optional("activation_hook_target"), !target.isNull {
                    throw RecipeError.notSupportedYet(target.path, "hooking a submodule other than the first balance layer (parallel transformer blocks)")
                }
                return AWQSpec.Mapping(smooth: smooth, balance: balance)
            }
        }
        if let value = map.optional("offload_device"), !value.isNull {
            // Cached activations live in host memory already: "cpu" is what SwiftQuant does.
            let device = try value.string()
            guard device == "cpu" else { throw RecipeError.unsupportedValue(value.path, device, supported: ["cpu", "null"]) }
        }
        if let value = map.optional("duo_scaling") {
            if value.isBool {
                spec.duoScaling = try value.bool() ? .on : .off
            } else {
                let text = try value.string()
                guard text == "both" else { throw RecipeError.badValue(value.path, text, allowed: ["true", "false", "both"]) }
                spec.duoScaling = .both
            }
        }
        if let value = map.optional("n_grid") {
            let n = try value.int()
            guard (2...1000).contains(n) else { throw RecipeError("\(RecipeError.quoted(value.path)) must be an integer from 2 to 1000, got \(value.shown)") }
            spec.nGrid = n
        }
        if let value = map.optional("apply_clip") { spec.applyClip = try value.bool() }
        if let value = map.optional("clip_n_grid") {
            let n = try value.int()
            guard (1...1000).contains(n) else { throw RecipeError("\(RecipeError.quoted(value.path)) must be an integer from 1 to 1000, got \(value.shown)") }
            spec.clipNGrid = n
        }
        if let value = map.optional("clip_max_shrink") {
            let shrink = try value.number()
            guard shrink.isFinite, shrink > 0, shrink < 1 else {
                throw RecipeError("\(RecipeError.quoted(value.path)) must be a number between 0 and 1 (exclusive), got \(value.shown)")
            }
            spec.clipMaxShrink = shrink
        }
        if !spec.applyClip, let key = ["clip_n_grid", "clip_max_shrink"].first(where: { map.optional($0) != nil }) {
            throw RecipeError("\(RecipeError.quoted(node.childPath(key))) applies with apply_clip: true")
        }
        return spec
    }
}
