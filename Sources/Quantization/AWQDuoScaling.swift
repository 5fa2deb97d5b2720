/// AWQ's `duo_scaling` (llm-compressor 0.14): which statistics the scale grid is built from. One
/// declaration for the recipe reader, the CLI and the modifier.
public enum AWQDuoScaling: String, Sendable, Equatable, CaseIterable {
    /// Activations and weights: s = x̄^r / w̄^(1−r) (`true`, the default).
    case on = "true"
    /// Activations only: s = x̄^r (`false`).
    case off = "false"
    /// Half the grid each way (`both`).
    case both
}
