/// Running range of a static activation over calibration forwards (per-tensor strategy).
public struct ActivationObserver: Sendable, Equatable {
    /// How successive batches combine.
    public enum Mode: Sendable, Equatable {
        /// Exponential moving average with constant c (llm-compressor `minmax`, c = 0.01).
        case movingAverage(Float)
        /// Min of mins, max of maxes (`static_minmax`).
        case extremes
    }

    public let mode: Mode
    public let dtype: ComputeDType
    public private(set) var min: Float?
    public private(set) var max: Float?
    /// Forwards observed.
    public private(set) var batches = 0

    /// An observer by its compressed-tensors name.
    public init(name: String?, dtype: ComputeDType, averagingConstant: Float = 0.01) throws {
        mode = try (name.map(ObserverName.named) ?? .minmax).activationMode(averagingConstant: averagingConstant)
        self.dtype = dtype
    }

    /// Folds in one forward's min and max.
    public mutating func update(batchMin: Float, batchMax: Float) {
        batches += 1
        guard let currentMin = min, let currentMax = max else {
            min = batchMin
            max = batchMax
            return
        }
        switch mode {
        case .extremes:
            min = Swift.min(currentMin, batchMin)
            max = Swift.max(currentMax, batchMax)
        case .movingAverage(let c):
            let keep = 1 - c
            min = dtype.round(dtype.round(currentMin * keep) + dtype.round(batchMin * c))
            max = dtype.round(dtype.round(currentMax * keep) + dtype.round(batchMax * c))
        }
    }

    /// The qparams of the observed range.
    public func qparams(args: QuantizationArgs) -> QParams? {
        guard let min, let max else { return nil }
        return QuantArithmetic.qparams(min: min, max: max, args: args, dtype: dtype)
    }
}
