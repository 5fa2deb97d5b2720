/// The observers compressed-tensors and llm-compressor register, by name: the one declaration
/// that recipe validation, the weight observers, the activation observers and messages use.
public enum ObserverName: String, CaseIterable, Sendable {
    /// Moving-average min/max (llm-compressor `minmax`, averaging constant 0.01); for weights it
    /// is memoryless, as a weight is observed once.
    case minmax
    /// Min of mins, max of maxes over calibration batches.
    case staticMinmax = "static_minmax"
    /// Min/max of the current tensor only.
    case memorylessMinmax = "memoryless_minmax"
    /// llm-compressor's grid search for the min/max shrink with the smallest error.
    case mse
    /// `mse` without state across batches.
    case memorylessMSE = "memoryless_mse"

    /// Every registered name, for messages.
    public static var names: [String] { allCases.map(\.rawValue) }

    /// The observer of a name, or a one-line error listing the names.
    public static func named(_ name: String) throws -> ObserverName {
        guard let observer = ObserverName(rawValue: name) else {
            throw QuantizationError("unknown observer '\(name)' (observers: \(names.joined(separator: ", ")))")
        }
        return observer
    }

    /// How the observer picks weight qparams.
    public func weightObserver(kwargs: [String: Double]) -> WeightObserverKind {
        switch self {
        case .minmax, .staticMinmax, .memorylessMinmax:
            return .minmax
        case .mse, .memorylessMSE:
            return .mse(maxShrink: Float(kwargs["maxshrink"] ?? 0.2), grid: Int(kwargs["grid"] ?? 100),
                        norm: Float(kwargs["norm"] ?? 2.4), patience: Int(kwargs["patience"] ?? 5))
        }
    }

    /// How the observer combines the ranges of successive calibration batches of an activation.
    public func activationMode(averagingConstant: Float) throws -> ActivationObserver.Mode {
        switch self {
        case .minmax:
            return .movingAverage(averagingConstant)
        case .staticMinmax:
            return .extremes
        case .memorylessMinmax, .memorylessMSE:
            throw QuantizationError("observer '\(rawValue)' keeps no state across calibration batches: use minmax or static_minmax for static activations")
        case .mse:
            throw QuantizationError("observer 'mse' for static activations is not supported yet (use minmax or static_minmax)")
        }
    }
}
