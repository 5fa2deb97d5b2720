import Quantization

/// One `linear_quant` process of a modelslim_v1 recipe as a compressed-tensors scheme.
struct ModelSlimLinearQuant {
    /// Weights and input activations; targets from `include`.
    let scheme: QuantizationScheme
    /// `exclude` as compressed-tensors ignore entries.
    let ignore: [String]
    /// The `exclude` globs as written (to compare processes).
    let excludeGlobs: [String]

    static let keys = ["type", "qconfig", "include", "exclude"]

    /// Reads a `type: linear_quant` process entry.
    init(_ node: RecipeNode) throws {
        let map = try node.mapping(allowed: Self.keys)
        let qconfig = try map.required("qconfig").mapping(allowed: ["act", "weight"])
        let weightNode = try qconfig.required("weight")
        let weights = try ModelSlimQConfig.weight(weightNode)
        // msModelSlim's linear_quant arithmetic (divisor 127, signed offsets) is built for int
        // weights only; its fp8 weight path is refused here, before any work, by the field's name.
        if weights.type == .float {
            throw RecipeError.notSupportedYet(weightNode.childPath("dtype"), "fp8 weights in msModelSlim's linear_quant arithmetic")
        }
        let inputs = try qconfig.optional("act").flatMap(ModelSlimQConfig.activation)
        let include = try map["include"]?.strings() ?? ["*"]
        guard !include.isEmpty else {
            throw RecipeError("\(RecipeError.quoted(node.childPath("include"))) is empty: nothing would be quantized (use [\"*\"] for every Linear)")
        }
        excludeGlobs = try map["exclude"]?.strings() ?? []
        ignore = excludeGlobs.map(GlobPattern.target)
        for (index, entry) in ignore.enumerated() {
            do { _ = try ModulePattern(entry) } catch { throw RecipeError.invalid(node.childPath("exclude") + "[\(index)]", error) }
        }
        scheme = try SchemeReader.validated(
            QuantizationScheme(targets: include.map(GlobPattern.target), weights: weights, inputActivations: inputs),
            path: node.path)
    }
}
