import Quantization

/// A `dynamic_cache` process of a modelslim_v1 recipe (msModelSlim 26.1.0's KV-cache quantization,
/// AscendV1 "C8"): `qconfig` must be int8 `per_channel` `minmax` (the only form msModelSlim
/// accepts); `include` / `exclude` are fnmatch globs over attention module paths
/// (`model.layers.0.self_attn`), `exclude` taking precedence.
enum ModelSlimDynamicCache {
    static let keys = ["type", "qconfig", "include", "exclude"]

    /// Reads a `type: dynamic_cache` process entry.
    static func read(_ node: RecipeNode) throws -> KVCacheSpec {
        let map = try node.mapping(allowed: keys)
        let qconfigNode = try map.required("qconfig")
        let qconfig = try qconfigNode.mapping(allowed: ModelSlimQConfig.keys)
        let scope = try qconfig.required("scope")
        let scopeName = try scope.choice(ModelSlimQConfig.scopes)
        guard scopeName == "per_channel" else {
            throw RecipeError.unsupportedValue(scope.path, scopeName, supported: ["per_channel"])
        }
        let dtype = try qconfig.required("dtype")
        let dtypeName = try dtype.string()
        guard dtypeName == "int8" else { throw RecipeError.unsupportedValue(dtype.path, dtypeName, supported: ["int8"]) }
        let method = try qconfig.required("method")
        let methodName = try method.string()
        guard methodName == "minmax" else { throw RecipeError.unsupportedValue(method.path, methodName, supported: ["minmax"]) }
        let symmetricNode = try qconfig.required("symmetric")
        guard try symmetricNode.bool() else {
            throw RecipeError.notSupportedYet(symmetricNode.path, "an asymmetric KV cache (symmetric: false)")
        }
        if let ext = qconfig.optional("ext"), !(try ext.mapping().entries.isEmpty) {
            throw RecipeError.notSupportedYet(ext.path, "KV-cache qconfig options")
        }
        var args = QuantizationArgs(symmetric: true)
        args.numBits = 8
        args.type = .int
        args.strategy = .channel
        func patterns(_ key: String) throws -> [ModulePattern] {
            let globs = try map[key]?.strings() ?? []
            return try globs.enumerated().map { index, glob in
                do { return try ModulePattern("re:" + GlobPattern.regex(glob)) } catch {
                    throw RecipeError.invalid(node.childPath(key) + "[\(index)]", error)
                }
            }
        }
        return KVCacheSpec(args: args, convention: .modelSlim, include: try patterns("include"), exclude: try patterns("exclude"))
    }
}
