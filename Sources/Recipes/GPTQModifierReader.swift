import Quantization

/// Reads llm-compressor 0.14's GPTQModifier: its own fields plus every QuantizationMixin and
/// Modifier field `QuantizationModifierReader` reads.
enum GPTQModifierReader {
    /// GPTQModifier's own fields.
    static let ownKeys = ["block_size", "dampening_frac", "actorder", "offload_hessians", "sequential_targets",
                          "batched_quantization"]

    static func read(_ node: RecipeNode) throws -> (QuantizationModifierSettings, GPTQSpec) {
        var settings = try QuantizationModifierReader.read(node, extraKeys: ownKeys)
        let map = try node.mapping(allowed: QuantizationModifierReader.quantizationKeys + QuantizationModifierReader.ignoredKeys + ownKeys)
        var spec = GPTQSpec()
        if let value = map.optional("block_size") {
            let size = try value.int()
            guard (1...65536).contains(size) else {
                throw RecipeError("\(RecipeError.quoted(value.path)) must be 1…65536, got \(size)")
            }
            spec.blockSize = size
        }
        if let value = map.optional("dampening_frac") {
            let fraction = try value.number()
            guard fraction.isFinite, fraction >= 0, fraction <= 100 else {
                throw RecipeError("\(RecipeError.quoted(value.path)) must be a number from 0 to 100, got \(value.shown)")
            }
            spec.dampeningFraction = fraction
        }
        if let value = map.optional("actorder") {
            spec.actorder = try QuantizationArgsReader.actorder(value)
        } else if map["actorder"] != nil {
            spec.actorder = nil  // actorder: null turns the ordering off
        }
        // Hessians live in host memory anyway: offloading them to the CPU is what SwiftQuant does.
        if let value = map.optional("offload_hessians") { _ = try value.bool() }
        // How many same-shape modules llm-compressor solves at once on a GPU: scheduling only.
        if let value = map.optional("batched_quantization") {
            if (try? value.string()) != "auto" {
                let count = try value.int()
                guard count >= 1 else { throw RecipeError("\(RecipeError.quoted(value.path)) must be \"auto\", null or a positive integer, got \(value.shown)") }
            }
        }
        if let value = map.optional("sequential_targets") {
            // SwiftQuant's pipeline runs one decoder layer at a time: accept exactly that.
            let targets: [String]
            if case .sequence = value.node { targets = try value.strings() } else { targets = [try value.string()] }
            guard targets.count == 1, let only = targets.first, only.hasSuffix("DecoderLayer") else {
                throw RecipeError.notSupportedYet(value.path, "sequential targets other than the decoder layer (e.g. LlamaDecoderLayer)")
            }
        }
        // The modifier's actorder goes into weight schemes that leave it unset, as llm-compressor
        // resolves it (and writes it into the checkpoint's quantization_config).
        for index in settings.groups.indices {
            guard var weights = settings.groups[index].scheme.weights else { continue }
            if let own = weights.actorder {
                if map["actorder"] != nil, own != spec.actorder {
                    throw RecipeError("config group '\(settings.groups[index].name)': weights.actorder '\(own.rawValue)' differs from the modifier's actorder '\(spec.actorder?.rawValue ?? "null")': set one of them")
                }
            } else {
                weights.actorder = spec.actorder
            }
            settings.groups[index].scheme.weights = weights
        }
        return (settings, spec)
    }
}
