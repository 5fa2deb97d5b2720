import Quantization

/// Reads llm-compressor 0.14's SmoothQuantModifier, every field honoured or refused by name.
enum SmoothQuantModifierReader {
    static let keys = ["smoothing_strength", "mappings", "ignore", "num_calibration_steps", "calibration_function",
                       "algorithm"] + QuantizationModifierReader.ignoredKeys

    static func read(_ node: RecipeNode) throws -> SmoothQuantSpec {
        let map = try node.mapping(allowed: keys)
        try QuantizationModifierReader.checkIgnoredKeys(map)
        var spec = SmoothQuantSpec()
        if let value = map.optional("smoothing_strength") {
            let alpha = try value.number()
            guard alpha.isFinite, (0...1).contains(alpha) else {
                throw RecipeError("\(RecipeError.quoted(value.path)) must be a number from 0 to 1, got \(value.shown)")
            }
            spec.smoothingStrength = alpha
        }
        if let value = map.optional("algorithm") {
            let name = try value.string()
            guard let algorithm = SmoothQuantSpec.Algorithm(rawValue: name) else {
                throw RecipeError.badValue(value.path, name, allowed: SmoothQuantSpec.Algorithm.allCases.map(\.rawValue))
            }
            spec.algorithm = algorithm
        }
        if let value = map.optional("mappings") {
            spec.mappings = try value.items().map { item in
                // [[balance patterns], smooth pattern]
                let parts = try item.items()
                guard parts.count == 2 else {
                    throw RecipeError.type(item.path, expected: "[[balance layer patterns], smooth layer pattern]", got: item.shown)
                }
                let balance: [String]
                if case .sequence = parts[0].node { balance = try parts[0].strings() } else { balance = [try parts[0].string()] }
                let smooth = try parts[1].string()
                for (index, pattern) in (balance + [smooth]).enumerated() {
                    do { _ = try ModulePattern(pattern) } catch { throw RecipeError.invalid("\(item.path)[\(index)]", error) }
                }
                return SmoothQuantSpec.Mapping(balance: balance, smooth: smooth)
            }
        }
        if let value = map.optional("ignore") {
            spec.ignore = try value.strings()
            for (index, entry) in spec.ignore.enumerated() {
                do { _ = try ModulePattern(entry) } catch { throw RecipeError.invalid("\(value.path)[\(index)]", error) }
            }
        }
        // Accepted and unused by llm-compressor 0.14 itself: calibration always uses every sample.
        if let value = map.optional("num_calibration_steps") {
            guard try value.int() >= 1 else { throw RecipeError("\(RecipeError.quoted(value.path)) must be a positive integer") }
        }
        if let value = map.optional("calibration_function") {
            throw RecipeError.notSupportedYet(value.path, "a Python calibration function")
        }
        return spec
    }
}
