import Quantization

/// One `linear_quant` process of a modelslim_v1 recipe as a compressed-tensors scheme.
struct ModelSlimLinearQuant {
    /// Weights and input activations; targets from `include`.
    let scheme: QuantizationScheme
    /// `exclude` as compressed-tensors ignore entries.
    let ignore: [String]
    /// The `exclude` globs as written (to compare processes).
    let excludeGlobs: [String]
    /// The weights' `method`: `minmax` (round to nearest) or `gptq` (msModelSlim's GPTQ).
    let weightMethod: String
    /// `act.ext.aggregation_type: mean`: static ranges are the mean of the per-sample min/max.
    let meanAggregation: Bool

    static let keys = ["type", "qconfig", "include", "exclude"]

    /// Reads a `type: linear_quant` process entry.
    init(_ node: RecipeNode) throws {
        let map = try node.mapping(allowed: Self.keys)
        let qconfig = try map.required("qconfig").mapping(allowed: ["act", "weight"])
        let weightNode = try qconfig.required("weight")
        let weights = try ModelSlimQConfig.weight(weightNode)
        // fp8 weights: symmetric per channel (WFP8AFP8_DYNAMIC with per-token fp8 activations, or
        // weight-only), refused by the field's name otherwise, before any work.
        if weights.type == .float, !(weights.symmetric && weights.resolvedStrategy == .channel) {
            throw RecipeError.notSupportedYet(weightNode.childPath("scope"), "fp8 weights other than symmetric per_channel")
        }
        let inputs = try qconfig.optional("act").flatMap(ModelSlimQConfig.activation)
        weightMethod = try ModelSlimQConfig.weightMethod(weightNode)
        meanAggregation = try qconfig.optional("act").map(ModelSlimQConfig.meanAggregation) ?? false
        if weightMethod == "gptq", inputs != nil {
            throw RecipeError.notSupportedYet(weightNode.childPath("method"), "msModelSlim's GPTQ with quantized activations (gptq runs weight-only here)")
        }
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
