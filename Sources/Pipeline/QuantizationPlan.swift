import Foundation
import Models
import Quantization

/// Which scheme applies to every Linear of a model, checked before any work starts.
public struct QuantizationPlan: Sendable {
    /// Linear paths in module order (decoder layers, then lm_head), quantized or not.
    public let linearPaths: [String]
    /// Path → (config group, scheme) for the quantized Linears.
    public let assignments: [String: (group: String, scheme: QuantizationScheme)]
    public let groups: [(name: String, scheme: QuantizationScheme)]
    public let ignore: [String]

    /// Resolves targets and ignore entries against `config`'s module tree and validates shapes.
    public init(config: ModelConfiguration, groups: [(name: String, scheme: QuantizationScheme)], ignore: [String]) throws {
        let validated = try groups.map { ($0.name, try $0.scheme.validated()) }
        let matcher = try SchemeMatcher(groups: validated, ignore: ignore)
        var paths: [String] = []
        var widths: [String: Int] = [:]
        let qWidth = config.numHeads * config.headDim
        for layer in 0..<config.numLayers {
            let prefix = "model.layers.\(layer)."
            for (name, width) in [("self_attn.q_proj", config.hiddenSize), ("self_attn.k_proj", config.hiddenSize),
                                  ("self_attn.v_proj", config.hiddenSize), ("self_attn.o_proj", qWidth),
                                  ("mlp.gate_proj", config.hiddenSize), ("mlp.up_proj", config.hiddenSize),
                                  ("mlp.down_proj", config.intermediateSize)] {
                paths.append(prefix + name)
                widths[prefix + name] = width
            }
        }
        paths.append("lm_head")
        widths["lm_head"] = config.hiddenSize
        var assignments: [String: (group: String, scheme: QuantizationScheme)] = [:]
        var indivisible: [String] = []
        for path in paths {
            guard let match = matcher.scheme(forPath: path, classNames: ["Linear"]) else { continue }
            if path == "lm_head", config.tieWordEmbeddings {
                throw PipelineError("lm_head is tied to the token embeddings and cannot be quantized on its own: add --ignore lm_head")
            }
            if let weights = match.scheme.weights, weights.resolvedStrategy == .group, let g = weights.groupSize,
               let width = widths[path], width % g != 0 {
                indivisible.append("\(path) (columns=\(width), group_size=\(g))")
            }
            assignments[path] = match
        }
        if !indivisible.isEmpty {
            let shown = indivisible.prefix(6).joined(separator: ", ") + (indivisible.count > 6 ? ", … (\(indivisible.count) layers)" : "")
            throw PipelineError("group size does not divide the input width of \(shown): ignore them (e.g. --ignore 're:.*down_proj$') or choose a group size that divides every width")
        }
        guard !assignments.isEmpty else {
            throw PipelineError("no Linear layer matches the scheme's targets after the ignore list: nothing to quantize")
        }
        linearPaths = paths
        self.assignments = assignments
        self.groups = validated.map { (name: $0.0, scheme: $0.1) }
        self.ignore = ignore
    }

    /// Whether any scheme has static input activations (and so needs calibration data).
    public var needsCalibration: Bool {
        groups.contains { group in
            if let input = group.scheme.inputActivations, !input.dynamic.isDynamic { return true }
            return false
        }
    }
}
