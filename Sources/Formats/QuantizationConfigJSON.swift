import JSON
import Quantization

/// compressed-tensors' `quantization_config` as written by compressed-tensors 0.19 (llm-compressor 0.14).
public enum QuantizationConfigJSON {
    /// The compressed-tensors version whose layout this writes.
    public static let formatVersion = "0.19.0"

    /// The twelve always-written keys of a QuantizationArgs.
    public static func args(_ a: QuantizationArgs, defaultObserver: String?) -> JSONValue {
        let dynamic: JSONValue
        switch a.dynamic {
        case .staticScales: dynamic = .bool(false)
        case .dynamic: dynamic = .bool(true)
        case .local: dynamic = .string("local")
        }
        let observer = a.dynamic.isDynamic ? nil : (a.observer ?? defaultObserver)
        return .object([
            "actorder": a.actorder.map { .string($0.rawValue) } ?? .null,
            "block_structure": a.blockStructure.map { .array($0.map { .int($0) }) } ?? .null,
            "dynamic": dynamic,
            "group_size": a.groupSize.map { .int($0) } ?? .null,
            "num_bits": .int(a.numBits),
            "observer": observer.map { .string($0) } ?? .null,
            "observer_kwargs": .object(JSONObject(a.observerKwargs.mapValues { JSONValue.double($0) })),
            "scale_dtype": .null,
            "strategy": .string(a.resolvedStrategy.rawValue),
            "symmetric": .bool(a.symmetric),
            "type": .string(a.type.rawValue),
            "zp_dtype": (a.symmetric ? .null : .string("torch.int8")),
        ])
    }

    /// The compression format of one scheme (formats.md §1.1 priority order).
    public static func format(of scheme: QuantizationScheme) -> String {
        guard let weights = scheme.weights else { return "dense" }
        if weights.type == .int, scheme.inputActivations != nil { return "int-quantized" }
        if weights.type == .int, scheme.inputActivations?.type != .float, (1...8).contains(weights.numBits) { return "pack-quantized" }
        if weights.type == .float, scheme.inputActivations != nil { return "float-quantized" }
        return "naive-quantized"
    }

    /// The whole `quantization_config` object.
    public static func config(groups: [(name: String, scheme: QuantizationScheme)], ignore: [String],
                              kvCache: QuantizationArgs? = nil) -> JSONValue {
        var groupObjects = JSONObject()
        var formats = Set<String>()
        for (name, scheme) in groups {
            let format = format(of: scheme)
            formats.insert(format)
            groupObjects[name] = .object([
                "format": .string(format),
                "input_activations": scheme.inputActivations.map { args($0, defaultObserver: "minmax") } ?? .null,
                "output_activations": scheme.outputActivations.map { args($0, defaultObserver: "minmax") } ?? .null,
                "targets": .array(scheme.targets.map { .string($0) }),
                "weights": scheme.weights.map { args($0, defaultObserver: "memoryless_minmax") } ?? .null,
            ])
        }
        let overall = formats.count == 1 ? formats.first! : (formats.isEmpty ? "dense" : "mixed-precision")
        return .object([
            "config_groups": .object(groupObjects),
            "format": .string(overall),
            "global_compression_ratio": .null,
            "ignore": .array(ignore.map { .string($0) }),
            "kv_cache_scheme": kvCache.map { kvArgs($0) } ?? .null,
            "quant_method": .string("compressed-tensors"),
            "quantization_status": .string("compressed"),
            "sparsity_config": .object([:]),
            "transform_config": .object([:]),
            "version": .string(formatVersion),
        ])
    }

    /// kv_cache_scheme is written with `observer: null` (its observers still run as minmax).
    static func kvArgs(_ a: QuantizationArgs) -> JSONValue {
        var stripped = a
        stripped.observer = nil
        guard case .object(var members) = args(stripped, defaultObserver: nil) else { return .null }
        members["observer"] = .null
        return .object(members)
    }
}
