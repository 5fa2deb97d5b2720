/// Weight observers by name: `memoryless_minmax` (default) and `mse` / `memoryless_mse`.
public enum WeightObserverKind: Sendable {
    case minmax
    case mse(maxShrink: Float, grid: Int, norm: Float, patience: Int)

    /// The observer registered under `name` (nil = the default, memoryless_minmax).
    public init(name: String?) throws {
        switch name {
        case nil, "memoryless_minmax", "minmax", "static_minmax", "memoryless":
            self = .minmax
        case "mse", "memoryless_mse":
            self = .mse(maxShrink: 0.2, grid: 100, norm: 2.4, patience: 5)
        case let other?:
            throw QuantizationError("unknown observer '\(other)' (observers: \(ObserverRegistry.names.joined(separator: ", ")))")
        }
    }

    /// qparams for one group of values.
    public func qparams(_ values: UnsafeBufferPointer<Float>, args: QuantizationArgs, dtype: ComputeDType) -> QParams {
        var lo = Float.infinity, hi = -Float.infinity
        for v in values {
            lo = min(lo, v)
            hi = max(hi, v)
        }
        switch self {
        case .minmax:
            return QuantArithmetic.qparams(min: lo, max: hi, args: args, dtype: dtype)
        case let .mse(maxShrink, grid, norm, patience):
            var best = QuantArithmetic.qparams(min: lo, max: hi, args: args, dtype: dtype)
            var bestError = Float.infinity
            var stale = 0
            for i in 0..<Int(maxShrink * Float(grid)) {
                let p = 1 - Float(i) / Float(grid)
                let candidate = QuantArithmetic.qparams(min: dtype.round(lo * p), max: dtype.round(hi * p), args: args, dtype: dtype)
                var error: Float = 0
                for v in values {
                    let d = abs(QuantArithmetic.fakeQuantize(v, candidate, args: args, dtype: dtype) - v)
                    error += pow(d, norm)
                }
                if error < bestError {
                    bestError = error
                    best = candidate
                    stale = 0
                } else {
                    stale += 1
                    if stale >= patience { break }
                }
            }
            return best
        }
    }
}

/// Names of the observers, for messages and validation.
public enum ObserverRegistry {
    public static let names = ["memoryless_minmax", "static_minmax", "minmax", "mse", "memoryless_mse"]
}

#if canImport(Glibc)
import Glibc
#endif
