/// Integer or floating-point quantized values.
public enum QuantizationType: String, Sendable, Codable, CaseIterable {
    case int
    case float
}

/// The granularity of scales and zero points.
public enum QuantizationStrategy: String, Sendable, Codable, CaseIterable {
    case tensor
    case channel
    case group
    case block
    case token
    case tensorGroup = "tensor_group"
    case attnHead = "attn_head"
}

/// Static, dynamic (computed at run time) or locally dynamic scales.
public enum DynamicMode: Sendable, Equatable {
    case staticScales
    case dynamic
    case local

    /// Whether scales are computed at run time.
    public var isDynamic: Bool { self != .staticScales }
}

/// GPTQ activation ordering (`weight`, alias `static`); `group` / `dynamic` are rejected.
public enum ActivationOrdering: String, Sendable, CaseIterable {
    case weight
    case staticOrder = "static"
}

/// Errors in quantization settings; the message says what to change.
public struct QuantizationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// How one tensor (weights, input or output activations, KV cache) is quantized:
/// compressed-tensors' QuantizationArgs as a validated value.
public struct QuantizationArgs: Sendable, Equatable {
    public var numBits: Int
    public var type: QuantizationType
    public var symmetric: Bool
    public var groupSize: Int?
    public var strategy: QuantizationStrategy?
    public var blockStructure: [Int]?
    public var dynamic: DynamicMode
    public var actorder: ActivationOrdering?
    public var observer: String?
    public var observerKwargs: [String: Double]

    /// Creates arguments; call `validated()` to infer missing settings and check consistency.
    public init(numBits: Int = 8, type: QuantizationType = .int, symmetric: Bool = true, groupSize: Int? = nil,
                strategy: QuantizationStrategy? = nil, blockStructure: [Int]? = nil, dynamic: DynamicMode = .staticScales,
                actorder: ActivationOrdering? = nil, observer: String? = nil, observerKwargs: [String: Double] = [:]) {
        self.numBits = numBits
        self.type = type
        self.symmetric = symmetric
        self.groupSize = groupSize
        self.strategy = strategy
        self.blockStructure = blockStructure
        self.dynamic = dynamic
        self.actorder = actorder
        self.observer = observer
        self.observerKwargs = observerKwargs
    }

    /// The resolved strategy (after `validated()` it is never nil).
    public var resolvedStrategy: QuantizationStrategy { strategy ?? .tensor }

    /// Smallest and largest quantized value: ±2^(b−1) for int, ±448 for fp8 e4m3.
    public var range: (min: Float, max: Float) {
        switch type {
        case .int:
            let half = Float(1 << (numBits - 1))
            return (-half, half - 1)
        case .float:
            return (-448, 448)
        }
    }

    /// Infers the strategy from the group size and rejects contradictions, as compressed-tensors does.
    public func validated() throws -> QuantizationArgs {
        var args = self
        switch type {
        case .int:
            guard (1...8).contains(numBits) else {
                throw QuantizationError("num_bits \(numBits) is not supported for int quantization: use 1 to 8")
            }
        case .float:
            guard numBits == 8 else {
                throw QuantizationError("num_bits \(numBits) is not supported for float quantization: use 8 (fp8 e4m3)")
            }
            guard symmetric else {
                throw QuantizationError("float (fp8) quantization must be symmetric: set symmetric: true")
            }
        }
        if let groupSize, groupSize < -1 || groupSize == 0 {
            throw QuantizationError("invalid group_size \(groupSize): use a positive group size for strategy 'group' or -1 for 'channel'")
        }
        if args.strategy == nil {
            if let groupSize {
                args.strategy = groupSize == -1 ? .channel : .group
            } else {
                args.strategy = .tensor
            }
        }
        let strategy = args.resolvedStrategy
        if strategy == .token && !dynamic.isDynamic {
            throw QuantizationError("strategy 'token' needs dynamic: true (per-token scales are computed at run time); use strategy 'tensor' for static activation scales")
        }
        if strategy == .group || strategy == .tensorGroup {
            guard let groupSize, groupSize > 0 else {
                throw QuantizationError("strategy '\(strategy.rawValue)' needs a positive group_size")
            }
        } else if let groupSize, groupSize > 0 {
            throw QuantizationError("group_size \(groupSize) needs strategy 'group' (got '\(strategy.rawValue)'): remove group_size or set strategy: group")
        }
        if strategy == .block, blockStructure == nil {
            throw QuantizationError("strategy 'block' needs block_structure, e.g. [128, 128]")
        }
        if blockStructure != nil, strategy != .block {
            throw QuantizationError("block_structure needs strategy 'block'")
        }
        if dynamic.isDynamic {
            guard [.token, .tensor, .tensorGroup, .group].contains(strategy) else {
                throw QuantizationError("dynamic quantization supports strategies token, tensor, tensor_group and group, not '\(strategy.rawValue)'")
            }
            if dynamic == .local, strategy != .tensorGroup {
                throw QuantizationError("dynamic: local is only supported for strategy tensor_group")
            }
        }
        // compressed-tensors 0.19 accepts actorder with every strategy, and llm-compressor's GPTQ
        // orders the columns of channel-wise weights too.
        return args
    }
}
