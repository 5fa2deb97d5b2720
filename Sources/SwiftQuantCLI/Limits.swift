/// Ranges of the CLI's numeric flags: every value a user gives is checked against these before
/// any arithmetic, so no input can overflow (the checks are one-line errors).
enum Limits {
    /// Calibration samples.
    static let maxSamples = 1_000_000
    /// Tokens per window or sample (further bounded by the model's max_position_embeddings).
    static let maxSequence = 1 << 20
    /// Tokens of a perplexity evaluation.
    static let maxEvalTokens = 1 << 30
    /// Weight group size.
    static let maxGroupSize = 1 << 20
    /// Shard size in GiB (shifted by 30 bits: stays far below Int.max).
    static let maxPartFileSize = 1 << 20
    /// A micro-benchmark matrix side (16384² floats = 1 GiB).
    static let maxBenchSize = 16384
    /// Tokens generated.
    static let maxNewTokens = 1 << 20
}
