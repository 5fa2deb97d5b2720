import Quantization

/// Reads compressed-tensors QuantizationArgs (`weights`, `input_activations`, `kv_cache_scheme`, …)
/// with the field names and value types of compressed-tensors 0.19, then validates them.
enum QuantizationArgsReader {
    /// The keys a QuantizationArgs mapping may have.
    static let keys = ["num_bits", "type", "symmetric", "group_size", "strategy", "block_structure", "dynamic",
                       "actorder", "observer", "observer_kwargs", "scale_dtype", "zp_dtype"]

    /// The args at `node`, validated (strategy inferred); settings errors name `node.path`.
    static func read(_ node: RecipeNode) throws -> QuantizationArgs {
        let map = try node.mapping(allowed: keys)
        var args = QuantizationArgs()
        if let value = map["num_bits"] { args.numBits = try value.int() }
        if let value = map["type"] {
            let name = try value.choice(QuantizationType.allCases.map(\.rawValue), ignoringCase: true)
            args.type = QuantizationType(rawValue: name) ?? .int
        }
        if let value = map["symmetric"] { args.symmetric = try value.bool() }
        if let value = map.optional("group_size") { args.groupSize = try value.int() }
        if let value = map.optional("strategy") {
            let name = try value.choice(QuantizationStrategy.allCases.map(\.rawValue), ignoringCase: true)
            args.strategy = QuantizationStrategy(rawValue: name)
        }
        if let value = map.optional("block_structure") { args.blockStructure = try blockStructure(value) }
        if let value = map["dynamic"] { args.dynamic = try dynamic(value) }
        if let value = map.optional("actorder") { args.actorder = try actorder(value) }
        if let value = map.optional("observer") { args.observer = try observer(value) }
        if let value = map["observer_kwargs"] {
            var kwargs: [String: Double] = [:]
            for entry in try value.mapping().entries { kwargs[entry.key] = try entry.value.number() }
            args.observerKwargs = kwargs
        }
        for key in ["scale_dtype", "zp_dtype"] {
            if let value = map[key], !value.isNull {
                throw RecipeError("\(RecipeError.quoted(value.path)) is not supported yet: only null (the dtype follows from type and num_bits), got \(value.shown)")
            }
        }
        do {
            return try args.validated()
        } catch {
            throw RecipeError.invalid(node.path, error)
        }
    }

    /// An observer name SwiftQuant knows.
    static func observer(_ node: RecipeNode) throws -> String {
        let name = try node.string()
        guard ObserverName(rawValue: name) != nil else {
            throw RecipeError.badValue(node.path, name, allowed: ObserverName.names)
        }
        return name
    }

    /// `true`/`false`, or `"local"` (case-insensitive, as compressed-tensors accepts it).
    private static func dynamic(_ node: RecipeNode) throws -> DynamicMode {
        if case .scalar = node.node, node.isBool {
            return try node.bool() ? .dynamic : .staticScales
        }
        guard (try? node.string())?.lowercased() == "local" else {
            throw RecipeError.type(node.path, expected: "true, false or \"local\"", got: node.shown)
        }
        return .local
    }

    /// `weight` or its alias `static`; `false` means none; `true`, `group`, `dynamic` were removed.
    static func actorder(_ node: RecipeNode) throws -> ActivationOrdering? {
        if case .scalar = node.node, node.isBool {
            guard try node.bool() else { return nil }
            throw RecipeError("\(RecipeError.quoted(node.path)): actorder true (group ordering) was removed from compressed-tensors: use actorder: weight, or omit it")
        }
        let value = try node.string()
        if ["group", "dynamic"].contains(value.lowercased()) {
            throw RecipeError("\(RecipeError.quoted(node.path)): actorder '\(value)' was removed from compressed-tensors: use actorder: weight (alias static), or omit it")
        }
        guard let order = ActivationOrdering(rawValue: value) else {
            throw RecipeError.badValue(node.path, value, allowed: ActivationOrdering.allCases.map(\.rawValue))
        }
        return order
    }

    /// `[rows, cols]` of positive integers, or the legacy `"RxC"` string.
    private static func blockStructure(_ node: RecipeNode) throws -> [Int] {
        let values: [Int]
        if case .sequence = node.node {
            values = try node.items().map { try $0.int() }
        } else if let text = try? node.string() {
            let parts = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
            values = parts.compactMap { $0 }
            guard values.count == parts.count else {
                throw RecipeError.type(node.path, expected: "a list of two positive integers [rows, cols]", got: node.shown)
            }
        } else {
            throw RecipeError.type(node.path, expected: "a list of two positive integers [rows, cols]", got: node.shown)
        }
        guard values.count == 2, values.allSatisfy({ $0 > 0 }) else {
            throw RecipeError("\(RecipeError.quoted(node.path)) must be two positive integers [rows, cols], got \(values)")
        }
        return values
    }
}
