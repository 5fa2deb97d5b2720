import Formats
import Quantization

/// Reads one compressed-tensors QuantizationScheme (a `config_groups` entry) and checks it as
/// compressed-tensors does.
enum SchemeReader {
    /// The keys a scheme mapping may have.
    static let keys = ["targets", "weights", "input_activations", "output_activations", "format"]

    /// Per-group `format` values compressed-tensors accepts (`mixed-precision` is model-level only).
    static let formats = ["dense", "int-quantized", "float-quantized", "naive-quantized", "pack-quantized",
                          "nvfp4-pack-quantized", "mxfp4-pack-quantized", "mxfp8-quantized"]

    /// The scheme at `node` and its `format` override, if any.
    static func read(_ node: RecipeNode) throws -> (scheme: QuantizationScheme, format: String?) {
        let map = try node.mapping(allowed: keys)
        let targets = try map.required("targets").strings()
        let weights = try map.optional("weights").map(QuantizationArgsReader.read)
        let inputs = try map.optional("input_activations").map(QuantizationArgsReader.read)
        let outputs = try map.optional("output_activations").map(QuantizationArgsReader.read)
        guard weights != nil || inputs != nil else {
            throw RecipeError("\(RecipeError.quoted(node.path)) quantizes nothing: give weights or input_activations")
        }
        let scheme = try validated(QuantizationScheme(targets: targets, weights: weights, inputActivations: inputs,
                                                      outputActivations: outputs),
                                   path: node.path)
        guard weights != nil else {
            throw RecipeError.notSupportedYet(node.childPath("input_activations"), "activation quantization without weights")
        }
        var format: String?
        if let value = map.optional("format") {
            let name = try value.choice(formats)
            // Honoured when it is the format SwiftQuant writes for this scheme; others not yet.
            let written = QuantizationConfigJSON.format(of: scheme)
            guard name == written else {
                throw RecipeError("\(RecipeError.quoted(value.path)) '\(name)' is not supported yet for this scheme: SwiftQuant writes it as '\(written)' (set that or omit format)")
            }
            format = name
        }
        return (scheme, format)
    }

    /// Validates a scheme with compressed-tensors' scheme-level rules; errors name `path`.
    static func validated(_ scheme: QuantizationScheme, path: String) throws -> QuantizationScheme {
        if let inputs = scheme.inputActivations {
            let allowed: [QuantizationStrategy] = [.token, .tensor, .group, .tensorGroup, .attnHead]
            guard allowed.contains(inputs.resolvedStrategy) else {
                throw RecipeError("\(RecipeError.quoted(path + ".input_activations")): strategy '\(inputs.resolvedStrategy.rawValue)' is not supported for activations (use token, tensor, group, tensor_group or attn_head)")
            }
            if inputs.actorder != nil {
                throw RecipeError("\(RecipeError.quoted(path + ".input_activations")): actorder applies to weights only")
            }
        }
        if scheme.outputActivations?.actorder != nil {
            throw RecipeError("\(RecipeError.quoted(path + ".output_activations")): actorder applies to weights only")
        }
        do {
            return try scheme.validated()
        } catch {
            throw RecipeError.invalid(path, error)
        }
    }
}
