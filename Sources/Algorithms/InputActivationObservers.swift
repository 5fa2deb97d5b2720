import Foundation
import Models
import Quantization
import Tensors

/// The static input-activation observers of one layer's quantized Linears (compressed-tensors'
/// calibration hooks): every sample of the calibration pass is one observer update, as with
/// llm-compressor's batch size 1.
public final class InputActivationObservers: @unchecked Sendable {
    // Updated from the hooks on the pipeline's thread; read after the pass.
    private var observers: [LinearRole: ActivationObserver] = [:]
    private let lock = NSLock()

    /// No observers yet.
    public init() {}

    /// Whether any Linear of the layer has static input activations.
    public static func needed(_ context: LayerContext) -> Bool {
        context.assignments.values.contains { assignment in
            guard let input = assignment.scheme.inputActivations else { return false }
            return !input.dynamic.isDynamic
        }
    }

    /// Hooks an observer on the input of every Linear whose scheme has static input activations.
    public func attach(to layer: inout DecoderLayer, context: LayerContext) throws {
        for role in LinearRole.allCases {
            guard let assignment = context.assignments[role], let input = assignment.scheme.inputActivations,
                  !input.dynamic.isDynamic else { continue }
            observers[role] = try ActivationObserver(name: input.observer, dtype: context.dtype)
            let batch = context.batch
            layer[role].addInputObserver { [unowned self] x in
                self.observe(x, role: role, segments: batch.segments)
            }
        }
    }

    private func observe(_ x: Matrix, role: LinearRole, segments: [Range<Int>]) {
        let width = x.cols
        let ranges = segments.isEmpty ? [0..<x.rows] : segments
        x.data.withUnsafeBufferPointer { xp in
            for segment in ranges {
                var lo = Float.infinity, hi = -Float.infinity
                for v in UnsafeBufferPointer(rebasing: xp[(segment.lowerBound * width)..<(segment.upperBound * width)]) {
                    lo = min(lo, v)
                    hi = max(hi, v)
                }
                lock.lock()
                observers[role]?.update(batchMin: lo, batchMax: hi)
                lock.unlock()
            }
        }
    }

    /// Writes the observed qparams of every observed Linear into `result`.
    public func record(into result: inout LayerQuantization, context: LayerContext) {
        lock.lock()
        defer { lock.unlock() }
        for (role, observer) in observers {
            guard let input = context.assignments[role]?.scheme.inputActivations,
                  let q = observer.qparams(args: input) else { continue }
            result.inputQParams[role] = q
        }
    }
}
