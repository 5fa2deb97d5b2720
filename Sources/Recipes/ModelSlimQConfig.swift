import Quantization

/// Maps msModelSlim QConfig mappings (`qconfig.weight`, `qconfig.act`) to compressed-tensors args.
enum ModelSlimQConfig {
    /// The keys of a QConfig; all but `ext` are required, as in msModelSlim.
    static let keys = ["scope", "dtype", "symmetric", "method", "ext"]
    /// Every scope msModelSlim knows.
    static let scopes = ["per_tensor", "per_channel", "per_token", "per_group", "per_block", "per_head", "dual_scale", "pd_mix"]

    /// Weight args: int8/int4/fp8_e4m3, per_channel/per_group/per_tensor, min-max.
    static func weight(_ node: RecipeNode) throws -> QuantizationArgs {
        let map = try node.mapping(allowed: keys)
        var args = QuantizationArgs(symmetric: try map.required("symmetric").bool())
        (args.numBits, args.type) = try dtype(map.required("dtype"), supported: ["int8", "int4", "fp8_e4m3"])
        let scope = try scopeName(map.required("scope"), supported: ["per_channel", "per_group", "per_tensor"])
        let methodNode = try map.required("method")
        try method(methodNode, supported: ["minmax", "gptq"])
        if try methodNode.string() == "gptq", scope == "per_tensor" {
            throw RecipeError.unsupportedValue(methodNode.path, "gptq", supported: ["minmax (per_tensor)"])
        }
        let ext = try map.optional("ext")?.mapping(allowed: ["group_size"])
        let groupSize = try ext?.optional("group_size")?.int()
        switch scope {
        case "per_group":
            guard let groupSize else { throw RecipeError.missingKey(node.childPath("ext.group_size")) }
            args.strategy = .group
            args.groupSize = groupSize
        default:
            if groupSize != nil {
                throw RecipeError("\(RecipeError.quoted(node.childPath("ext.group_size"))) needs scope: per_group (got '\(scope)')")
            }
            args.strategy = scope == "per_channel" ? .channel : .tensor
        }
        return try validated(args, path: node.path)
    }

    /// Input-activation args, or nil for `dtype: float` (activations stay unquantized).
    /// `per_tensor` is static with running min/max (`static_minmax`, msModelSlim's default
    /// `aggregation_type: max`); `per_token` is dynamic.
    static func activation(_ node: RecipeNode) throws -> QuantizationArgs? {
        let map = try node.mapping(allowed: keys)
        let symmetric = try map.required("symmetric").bool()
        let dtypeNode = try map.required("dtype")
        let scopeNode = try map.required("scope")
        let methodNode = try map.required("method")
        let ext = try map.optional("ext")?.mapping(allowed: ["aggregation_type"])
        if try dtypeNode.string() == "float" {
            _ = try scopeNode.string()
            _ = try methodNode.string()
            return nil
        }
        var args = QuantizationArgs(symmetric: symmetric)
        (args.numBits, args.type) = try dtype(dtypeNode, supported: ["int8", "fp8_e4m3"], also: ["float"])
        let scope = try scopeName(scopeNode, supported: ["per_tensor", "per_token"])
        try method(methodNode)
        if let aggregation = ext?.optional("aggregation_type") {
            _ = try aggregation.choice(["max", "mean"])
            if scope != "per_tensor" {
                throw RecipeError("\(RecipeError.quoted(aggregation.path)) needs scope: per_tensor (got '\(scope)')")
            }
        }
        if scope == "per_token" {
            args.strategy = .token
            args.dynamic = .dynamic
        } else {
            args.strategy = .tensor
            args.observer = "static_minmax"
        }
        return try validated(args, path: node.path)
    }

    private static func dtype(_ node: RecipeNode, supported: [String], also: [String] = []) throws -> (Int, QuantizationType) {
        let name = try node.string()
        switch name {
        case "int8" where supported.contains(name): return (8, .int)
        case "int4" where supported.contains(name): return (4, .int)
        case "fp8_e4m3" where supported.contains(name): return (8, .float)
        default: throw RecipeError.unsupportedValue(node.path, name, supported: supported + also)
        }
    }

    private static func scopeName(_ node: RecipeNode, supported: [String]) throws -> String {
        let name = try node.choice(scopes)
        guard supported.contains(name) else { throw RecipeError.unsupportedValue(node.path, name, supported: supported) }
        return name
    }

    private static func method(_ node: RecipeNode, supported: [String] = ["minmax"]) throws {
        let name = try node.string()
        guard supported.contains(name) else { throw RecipeError.unsupportedValue(node.path, name, supported: supported) }
    }

    /// Whether an activation QConfig asks for `ext.aggregation_type: mean` (`activation` has validated it).
    static func meanAggregation(_ node: RecipeNode) throws -> Bool {
        let map = try node.mapping(allowed: keys)
        return try map.optional("ext")?.mapping(allowed: ["aggregation_type"]).optional("aggregation_type")?.string() == "mean"
    }

    /// The weight `method` (`minmax` or `gptq`; `weight` has validated it).
    static func weightMethod(_ node: RecipeNode) throws -> String {
        try node.mapping(allowed: keys).required("method").string()
    }

    private static func validated(_ args: QuantizationArgs, path: String) throws -> QuantizationArgs {
        do {
            return try args.validated()
        } catch {
            throw RecipeError.invalid(path, error)
        }
    }
}
