import Foundation
import Models
import Tensors

/// One perplexity measurement E(ctx, T) as defined in docs/evaluation.md.
public struct PerplexityResult: Sendable, Codable, Equatable {
    public let ctx: Int
    public let tokens: Int
    public let ppl: Double
    /// Number of scored positions: (T / ctx) · (ctx − 1).
    public let predictions: Int
    /// Σ NLL over all predictions (fp64).
    public let totalNLL: Double
    /// Wall time of the evaluation loop.
    public let seconds: Double
}

/// Errors about evaluation settings.
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Perplexity over non-overlapping windows, each run alone from position 0.
public enum Perplexity {
    /// Rows of logits materialized at once (bounds memory: rows × vocab floats).
    static let logitRows = 256

    /// E(ctx, tokens) over the first `tokens` ids; `progress(done, total)` is called after each window.
    public static func evaluate(model: CausalLM, ids: [Int], ctx: Int, tokens: Int,
                                progress: ((Int, Int) -> Void)? = nil) throws -> PerplexityResult {
        guard ctx >= 2 else { throw EvaluationError("--ctx must be at least 2, got \(ctx)") }
        guard tokens >= ctx, tokens % ctx == 0 else {
            throw EvaluationError("--tokens \(tokens) must be a positive multiple of --ctx \(ctx)")
        }
        guard ids.count >= tokens else {
            throw EvaluationError("the corpus has \(ids.count) tokens, fewer than the \(tokens) requested")
        }
        guard ctx <= model.config.maxPositionEmbeddings else {
            throw EvaluationError("--ctx \(ctx) exceeds the model's max_position_embeddings \(model.config.maxPositionEmbeddings)")
        }
        let start = Date()
        let windows = tokens / ctx
        var total = 0.0
        for w in 0..<windows {
            let window = Array(ids[(w * ctx)..<((w + 1) * ctx)])
            total += try windowNLL(model: model, window: window)
            progress?(w + 1, windows)
        }
        let predictions = windows * (ctx - 1)
        return PerplexityResult(ctx: ctx, tokens: tokens, ppl: Foundation.exp(total / Double(predictions)),
                                predictions: predictions, totalNLL: total,
                                seconds: Date().timeIntervalSince(start))
    }

    /// Σ −log p(window[t+1] | window[…t]) for t in 0..<ctx−1.
    public static func windowNLL(model: CausalLM, window: [Int]) throws -> Double {
        var cache: KVCache? = nil
        let hidden = try model.hiddenStates(window, cache: &cache)
        let scored = window.count - 1
        var total = 0.0
        var r0 = 0
        while r0 < scored {
            let r1 = min(scored, r0 + logitRows)
            let logits = Profile.time("head") { model.logits(normalized: hidden.rows(r0..<r1)) }
            total += Profile.time("nll") { chunkNLL(logits, targets: Array(window[(r0 + 1)...(r1)])) }
            r0 = r1
        }
        return total
    }

    /// Σ over rows of (logsumexp(row) − row[target]), each term in fp32, summed in fp64.
    static func chunkNLL(_ logits: Matrix, targets: [Int]) -> Double {
        let vocab = logits.cols
        var partial = [Double](repeating: 0, count: targets.count)
        logits.data.withUnsafeBufferPointer { lp in
            partial.withUnsafeMutableBufferPointer { pp in
                let base = lp.baseAddress!, out = pp.baseAddress!
                Parallel.chunks(targets.count, minimumChunk: 8) { range in
                    for r in range {
                        let row = base + r * vocab
                        let logProb = row[targets[r]] - VectorMath.logSumExp(row, count: vocab)
                        out[r] = Double(-logProb)
                    }
                }
            }
        }
        return partial.reduce(0, +)
    }
}
