import Foundation
import Models
import Quantization
import Tensors

/// msModelSlim's layer-fallback score (its LayerSelector, `std` range method): for every quantized
/// Linear, over the calibration samples (one forward each),
///
///     score = max(|max x|, |min x|) / max over samples of std(x − shift)
///
/// where max/min run over every input value of every sample, and shift = (column max + column
/// min) of the sample itself (msModelSlim adds them without halving), std the unbiased standard
/// deviation over all the sample's values. A high score means a few values far outside the bulk:
/// hard to quantize per tensor. Linears reading the same input get the same score.
///
/// Observes only; the scores go to `sink`, keyed by module path.
public final class InputRangeScoreModifier: LayerModifier {
    public var name: String { "layer fallback scores" }
    public var changesForward: Bool { false }
    private let sink: ScoreSink
    private let statistics = RangeStatistics()

    /// Scores are written to `sink`.
    public init(sink: ScoreSink) {
        self.sink = sink
    }

    public func needsCalibration(_ context: LayerContext) -> Bool { !context.assignments.isEmpty }

    public func attach(to layer: inout DecoderLayer, context: LayerContext) throws {
        statistics.reset()
        let batch = context.batch, statistics = self.statistics
        // One observer per distinct input: Linears sharing it (q/k/v, gate/up) share the statistics.
        for group in context.layout.inputGroups {
            guard let role = group.first(where: { context.assignments[$0] != nil }) else { continue }
            layer[role].addInputObserver { x in statistics.observe(x, key: role, segments: batch.segments) }
        }
    }

    public func apply(to layer: inout DecoderLayer, result: inout LayerQuantization, context: LayerContext) throws {
        for group in context.layout.inputGroups {
            guard let observed = group.first(where: { context.assignments[$0] != nil }),
                  let score = statistics.score(observed) else { continue }
            for role in group where context.assignments[role] != nil {
                sink.record(path: context.path(role), score: score)
            }
        }
        statistics.reset()
    }
}

/// Scores by module path, filled layer by layer.
public final class ScoreSink: @unchecked Sendable {
    private var values: [(path: String, score: Double)] = []
    private let lock = NSLock()

    /// An empty sink.
    public init() {}

    /// Records one Linear's score.
    public func record(path: String, score: Double) {
        lock.lock(); defer { lock.unlock() }
        values.append((path, score))
    }

    /// The scores in the order recorded (module order).
    public var scores: [(path: String, score: Double)] {
        lock.lock(); defer { lock.unlock() }
        return values
    }
}

/// Running max, min and largest shifted std of one input per Linear group.
final class RangeStatistics: @unchecked Sendable {
    private var stats: [LinearRole: (max: Float, min: Float, std: Double)] = [:]
    private let lock = NSLock()

    func reset() {
        lock.lock(); defer { lock.unlock() }
        stats = [:]
    }

    func observe(_ x: Matrix, key: LinearRole, segments: [Range<Int>]) {
        let width = x.cols
        for segment in segments.isEmpty ? [0..<x.rows] : segments where !segment.isEmpty {
            var columnMax = [Float](repeating: -.infinity, count: width)
            var columnMin = [Float](repeating: .infinity, count: width)
            var hi = -Float.infinity, lo = Float.infinity
            for r in segment {
                for c in 0..<width {
                    let v = x[r, c]
                    columnMax[c] = Swift.max(columnMax[c], v)
                    columnMin[c] = Swift.min(columnMin[c], v)
                }
            }
            for c in 0..<width {
                hi = Swift.max(hi, columnMax[c])
                lo = Swift.min(lo, columnMin[c])
            }
            // std of (x − shift), shift = column max + column min, in double.
            let n = Double(segment.count * width)
            var sum = 0.0, squares = 0.0
            for r in segment {
                for c in 0..<width {
                    let v = Double(x[r, c] - (columnMax[c] + columnMin[c]))
                    sum += v
                    squares += v * v
                }
            }
            let mean = sum / n
            let std = n > 1 ? (Swift.max(0, squares - n * mean * mean) / (n - 1)).squareRoot() : 0
            lock.lock()
            if let s = stats[key] {
                stats[key] = (Swift.max(s.max, hi), Swift.min(s.min, lo), Swift.max(s.std, std))
            } else {
                stats[key] = (hi, lo, std)
            }
            lock.unlock()
        }
    }

    func score(_ key: LinearRole) -> Double? {
        lock.lock(); defer { lock.unlock() }
        guard let s = stats[key], s.std > 0 else { return nil }
        return Double(Swift.max(abs(s.max), abs(s.min))) / s.std
    }
}
