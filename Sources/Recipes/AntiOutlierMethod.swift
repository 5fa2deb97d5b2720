/// msModelSlim's anti-outlier methods by its names (legacy `AntiOutlierConfig.anti_method`),
/// as the modifiers SwiftQuant runs for them:
///
/// | name | msModelSlim | SwiftQuant |
/// |---|---|---|
/// | m1 | SmoothQuant | the modelslim_v1 `smooth_quant` process (α 0.5, norm-linear) |
/// | m2 | Outlier Suppression+ | `OutlierSuppressionPlusModifier` (scaling only, as msModelSlim's default `ch_align=False`) |
/// | m3 | AWQ | llm-compressor's AWQ (`AWQModifier`) |
/// | m4 | iterative smoothing | the modelslim_v1 `iter_smooth` process (α 0.9, every subgraph kind) |
/// | m5 | CBQ | not supported |
/// | m6 | flex smooth | not supported |
public enum AntiOutlierMethod: String, CaseIterable, Sendable {
    case m1, m2, m3, m4, m5, m6

    /// The methods SwiftQuant runs.
    public static let supported: [AntiOutlierMethod] = [.m1, .m2, .m3, .m4]

    /// Parses a method name (`m1` … `m6`, any case); an unknown name is a one-line error listing them.
    public init(parsing text: String) throws {
        guard let method = AntiOutlierMethod(rawValue: text.lowercased()) else {
            let known = Self.allCases.map { "\($0.rawValue) (\($0.title))" }.joined(separator: ", ")
            throw RecipeError("unknown anti-outlier method '\(text)' (known: \(known))")
        }
        self = method
    }

    /// msModelSlim's name of the method.
    public var title: String {
        switch self {
        case .m1: "SmoothQuant"
        case .m2: "Outlier Suppression+"
        case .m3: "AWQ"
        case .m4: "iter_smooth"
        case .m5: "CBQ"
        case .m6: "flex smooth"
        }
    }

    /// The modifier that runs the method before a W8A8 (`forW8A8`) or weight-only quantization.
    /// As in msModelSlim, only m3 serves weight-only schemes; m5 and m6 are refused.
    public func modifierSpec(forW8A8: Bool) throws -> ModifierSpec {
        if self == .m5 || self == .m6 {
            let list = Self.supported.map { "\($0.rawValue) (\($0.title))" }.joined(separator: ", ")
            throw RecipeError("anti-outlier method \(rawValue) (\(title)) is not supported yet (supported: \(list))")
        }
        if !forW8A8 && self != .m3 {
            throw RecipeError("anti-outlier method \(rawValue) (\(title)) smooths activations for W8A8; for a weight-only scheme use m3 (AWQ)")
        }
        switch self {
        case .m1: return .modelSlimSmooth(ModelSlimSmoothSpec(process: .smoothQuant))
        case .m2: return .outlierSuppressionPlus(OutlierSuppressionPlusSpec())
        case .m3: return .awq(AWQSpec())
        case .m4, .m5, .m6: return .modelSlimSmooth(ModelSlimSmoothSpec(process: .iterSmooth))
        }
    }
}
