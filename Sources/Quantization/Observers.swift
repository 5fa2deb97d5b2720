import Tensors
/// Weight observers by name: `memoryless_minmax` (default) and `mse` / `memoryless_mse`.
public enum WeightObserverKind: Sendable {
    case minmax
    case mse(maxShrink: Float, grid: Int, norm: Float, patience: Int)

    /// The observer registered under `name` (nil = the default, memoryless_minmax); `kwargs` are
    /// llm-compressor's observer_kwargs (mse: maxshrink 0.2, grid 100, norm 2.4, patience 5).
    public init(name: String?, kwargs: [String: Double] = [:]) throws {
        self = try (name.map(ObserverName.named) ?? .memorylessMinmax).weightObserver(kwargs: kwargs)
    }

    /// qparams for each of `count` groups of `width` consecutive values at `base`.
    ///
    /// `mse` is llm-compressor's grid search over one shrink schedule for the whole tensor: at step i
    /// every group tries its min/max scaled by 1 − i/grid and keeps it when its error
    /// Σ|fake_quant(v) − v|^norm is strictly smaller than its best; the search stops when no group
    /// improved for `patience` consecutive steps (a tensor-wide counter, not a per-group one). The
    /// error is computed in the weight's dtype as torch does (each difference and power rounded, the
    /// exponent itself cast to the dtype, the sum accumulated in fp32 and rounded).
    public func qparams(groupsAt base: UnsafePointer<Float>, count: Int, width: Int, args: QuantizationArgs,
                        dtype: ComputeDType) -> [QParams] {
        var lows = [Float](repeating: 0, count: count), highs = [Float](repeating: 0, count: count)
        var minmax = [QParams](repeating: QParams(scale: 0, zeroPoint: 0), count: count)
        lows.withUnsafeMutableBufferPointer { lp in
            highs.withUnsafeMutableBufferPointer { hp in
                minmax.withUnsafeMutableBufferPointer { mp in
                    let l = lp.baseAddress!, h = hp.baseAddress!, m = mp.baseAddress!
                    Parallel.chunks(count, minimumChunk: 64) { range in
                        for i in range {
                            var lo = Float.infinity, hi = -Float.infinity
                            for v in UnsafeBufferPointer(start: base + i * width, count: width) {
                                lo = min(lo, v)
                                hi = max(hi, v)
                            }
                            l[i] = lo
                            h[i] = hi
                            m[i] = QuantArithmetic.qparams(min: lo, max: hi, args: args, dtype: dtype)
                        }
                    }
                }
            }
        }
        guard case let .mse(maxShrink, grid, norm, patience) = self else { return minmax }
        var best = [QParams](repeating: QParams(scale: 0, zeroPoint: 0), count: count)
        var bestError = [Float](repeating: dtype.greatestFinite, count: count)
        var improved = [Bool](repeating: false, count: count)
        var stale = 0
        // Python: int(maxshrink * grid) and p = 1 - i / grid in float64, used as an fp32 scalar.
        let steps = Int(Double(maxShrink) * Double(grid))
        for step in 0..<steps {
            let p = Float(1 - Double(step) / Double(grid))
            best.withUnsafeMutableBufferPointer { bp in
                bestError.withUnsafeMutableBufferPointer { ep in
                    improved.withUnsafeMutableBufferPointer { ip in
                        let bestBase = bp.baseAddress!, errorBase = ep.baseAddress!, flagBase = ip.baseAddress!
                        lows.withUnsafeBufferPointer { lp in
                            highs.withUnsafeBufferPointer { hp in
                                Parallel.chunks(count, minimumChunk: 64) { range in
                                    for i in range {
                                        let candidate = QuantArithmetic.qparams(min: dtype.round(lp[i] * p), max: dtype.round(hp[i] * p),
                                                                                args: args, dtype: dtype)
                                        let error = Self.error(base + i * width, count: width, candidate, args: args,
                                                               dtype: dtype, norm: norm)
                                        flagBase[i] = error < errorBase[i]
                                        if flagBase[i] {
                                            errorBase[i] = error
                                            bestBase[i] = candidate
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if improved.contains(true) {
                stale = 0
            } else {
                stale += 1
                if stale >= patience { break }
            }
        }
        return best
    }

    /// Σ |fake_quant(v) − v|^norm over one group, in `dtype` arithmetic.
    static func error(_ values: UnsafePointer<Float>, count: Int, _ q: QParams, args: QuantizationArgs,
                      dtype: ComputeDType, norm: Float) -> Float {
        // torch casts a scalar exponent to the tensor's dtype: 2.4 is 2.40625 for a bf16 weight.
        let exponent = dtype.round(norm)
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: count) { terms in
            for j in 0..<count {
                let v = values[j]
                let d = abs(dtype.round(QuantArithmetic.fakeQuantize(v, q, args: args, dtype: dtype) - v))
                terms[j] = dtype.round(pow(d, exponent))
            }
            return dtype.round(TorchSum.contiguous(UnsafePointer(terms.baseAddress!), count: count,
                                                     bfloat16Input: dtype == .bfloat16))
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
