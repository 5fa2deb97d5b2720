/// Which modules a set of quantization args applies to: compressed-tensors' QuantizationScheme.
public struct QuantizationScheme: Sendable, Equatable {
    /// Class names ("Linear"), exact module paths, or `re:` regexes.
    public var targets: [String]
    public var weights: QuantizationArgs?
    public var inputActivations: QuantizationArgs?
    public var outputActivations: QuantizationArgs?

    public init(targets: [String], weights: QuantizationArgs? = nil, inputActivations: QuantizationArgs? = nil,
                outputActivations: QuantizationArgs? = nil) {
        self.targets = targets
        self.weights = weights
        self.inputActivations = inputActivations
        self.outputActivations = outputActivations
    }

    /// Validates every args value and the targets.
    public func validated() throws -> QuantizationScheme {
        guard !targets.isEmpty else { throw QuantizationError("a scheme needs at least one target, e.g. [Linear]") }
        var scheme = self
        scheme.weights = try weights?.validated()
        scheme.inputActivations = try inputActivations?.validated()
        scheme.outputActivations = try outputActivations?.validated()
        if let weights = scheme.weights, weights.dynamic.isDynamic {
            throw QuantizationError("weights cannot be dynamic: set dynamic: false for weights")
        }
        for target in targets where target.hasPrefix("re:") {
            _ = try ModulePattern(target)
        }
        return scheme
    }
}

/// compressed-tensors' preset schemes by name.
public enum QuantizationPreset {
    /// The preset names SwiftQuant knows, in a stable order.
    public static let names: [String] = ["W4A16", "W4A16_ASYM", "W8A16", "W8A8", "INT8", "FP8", "FP8_DYNAMIC",
                                         "W2A16", "W3A16", "W5A16", "W6A16", "W7A16",
                                         "W2A8", "W3A8", "W4A8", "W5A8", "W6A8", "W7A8", "W8A8_STATIC"]
    /// Preset names of SwiftQuant's own (compressed-tensors has no preset of that name).
    public static let ownNames: [String] = ["W8A8_STATIC"]

    /// compressed-tensors presets SwiftQuant recognises but does not implement yet.
    public static let unsupportedNames: [String] = ["NVFP4", "NVFP4A16", "MXFP4", "MXFP4A16", "MXFP8", "MXFP8A16",
                                                    "FP8_BLOCK", "W4AFP8", "W2A4", "W3A4", "W4A4", "UNQUANTIZED"]

    /// The scheme for a preset name (case-insensitive), with `targets`.
    public static func scheme(named name: String, targets: [String] = ["Linear"]) throws -> QuantizationScheme {
        let upper = name.uppercased()
        let scheme: QuantizationScheme
        switch upper {
        case "W2A16", "W3A16", "W4A16", "W5A16", "W6A16", "W7A16", "W8A16":
            let bits = Int(String(upper.dropFirst().prefix(1))) ?? 4
            scheme = QuantizationScheme(targets: targets, weights: groupWeights(bits: bits, symmetric: true))
        case "W2A8", "W3A8", "W4A8", "W5A8", "W6A8", "W7A8":
            // compressed-tensors' _int_wnam(w, 8): group-128 symmetric weights, int8 dynamic per-token inputs.
            let bits = Int(String(upper.dropFirst().prefix(1))) ?? 4
            scheme = QuantizationScheme(targets: targets, weights: groupWeights(bits: bits, symmetric: true),
                                        inputActivations: tokenActivations(type: .int))
        case "W4A16_ASYM":
            scheme = QuantizationScheme(targets: targets, weights: groupWeights(bits: 4, symmetric: false))
        case "W8A8", "INT8":
            scheme = QuantizationScheme(
                targets: targets,
                weights: QuantizationArgs(numBits: 8, type: .int, symmetric: true, strategy: .channel),
                inputActivations: tokenActivations(type: .int))
        case "W8A8_STATIC":
            scheme = QuantizationScheme(
                targets: targets,
                weights: QuantizationArgs(numBits: 8, type: .int, symmetric: true, strategy: .channel),
                inputActivations: QuantizationArgs(numBits: 8, type: .int, symmetric: true, strategy: .tensor))
        case "FP8":
            scheme = QuantizationScheme(
                targets: targets,
                weights: QuantizationArgs(numBits: 8, type: .float, symmetric: true, strategy: .tensor),
                inputActivations: QuantizationArgs(numBits: 8, type: .float, symmetric: true, strategy: .tensor,
                                                   observer: "static_minmax"))
        case "FP8_DYNAMIC":
            scheme = QuantizationScheme(
                targets: targets,
                weights: QuantizationArgs(numBits: 8, type: .float, symmetric: true, strategy: .channel),
                inputActivations: tokenActivations(type: .float))
        default:
            if unsupportedNames.contains(upper) {
                throw QuantizationError("scheme '\(name)' (a compressed-tensors preset) is not supported yet (supported: \(names.joined(separator: ", ")))")
            }
            throw QuantizationError("unknown scheme '\(name)' (presets: \(names.joined(separator: ", ")))")
        }
        return try scheme.validated()
    }

    private static func groupWeights(bits: Int, symmetric: Bool) -> QuantizationArgs {
        QuantizationArgs(numBits: bits, type: .int, symmetric: symmetric, groupSize: 128, strategy: .group)
    }

    private static func tokenActivations(type: QuantizationType) -> QuantizationArgs {
        QuantizationArgs(numBits: 8, type: type, symmetric: true, strategy: .token, dynamic: .dynamic)
    }
}
