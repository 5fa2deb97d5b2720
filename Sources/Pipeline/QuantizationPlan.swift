import Foundation
import Models
import Quantization

extension ModulePattern: ModulePatternLike {}

/// Which scheme applies to every Linear of a model, checked before any work starts.
public struct QuantizationPlan: Sendable {
    /// Linear paths in module order (decoder layers, then lm_head), quantized or not.
    public let linearPaths: [String]
    /// Path → (config group, scheme) for the quantized Linears.
    public let assignments: [String: (group: String, scheme: QuantizationScheme)]
    public let groups: [(name: String, scheme: QuantizationScheme)]
    public let ignore: [String]
    /// One-line warnings found while resolving (ignore entries that match nothing).
    public let warnings: [String]

    /// Resolves targets and ignore entries against `config`'s module tree and validates shapes.
    /// `quantizesKVCache`: the KV cache is quantized, so a plan with no quantized Linear still has work.
    public init(config: ModelConfiguration, groups: [(name: String, scheme: QuantizationScheme)], ignore: [String],
                quantizesKVCache: Bool = false) throws {
        let validated = try groups.map { ($0.name, try $0.scheme.validated()) }
        let matcher = try SchemeMatcher(groups: validated, ignore: ignore)
        warnings = try Self.checkTargets(matcher, inventory: ModuleInventory(config: config))
        var paths: [String] = []
        var widths: [String: Int] = [:]
        let architecture = config.architecture.declaration
        let layout = config.layout
        for layer in 0..<config.numLayers {
            let prefix = architecture.layerPrefix(layer)
            for linear in layout.linears {
                paths.append(prefix + linear.name)
                widths[prefix + linear.name] = linear.inFeatures
            }
        }
        let head = architecture.lmHeadPath
        paths.append(head)
        widths[head] = config.hiddenSize
        var assignments: [String: (group: String, scheme: QuantizationScheme)] = [:]
        var indivisible: [(group: String, text: String)] = []
        for path in paths {
            guard let match = matcher.scheme(forPath: path, classNames: ["Linear"]) else { continue }
            if path == head, config.tieWordEmbeddings {
                throw PipelineError("the 'targets' of config group '\(match.group)' select \(head), which is tied to the token embeddings and cannot be quantized on its own: add \(head) to 'ignore' (--ignore \(head))")
            }
            if let weights = match.scheme.weights, weights.resolvedStrategy == .group, let g = weights.groupSize,
               let width = widths[path], width % g != 0 {
                indivisible.append((match.group, "\(path) (columns=\(width), group_size=\(g))"))
            }
            assignments[path] = match
        }
        if !indivisible.isEmpty {
            let shown = indivisible.prefix(6).map(\.text).joined(separator: ", ") + (indivisible.count > 6 ? ", … (\(indivisible.count) layers)" : "")
            let targeted = assignments.keys.compactMap { widths[$0] }
            let requested = assignments.values.compactMap { $0.scheme.weights?.groupSize }.max() ?? 128
            let hint = Self.suggestedGroupSize(widths: targeted, atMost: requested).map { "e.g. \($0), which divides every targeted width" }
                ?? "no power of two from 8 to \(requested) divides every targeted width; --group-size -1 quantizes per channel"
            let groups = Set(indivisible.map(\.group)).sorted().map { "'\($0)'" }.joined(separator: ", ")
            throw PipelineError("config group \(groups): 'group_size' does not divide the input width of \(shown): choose a group size that divides every width (\(hint)) or ignore those layers (e.g. --ignore 're:.*down_proj$')")
        }
        guard !assignments.isEmpty || (quantizesKVCache && groups.isEmpty) else {
            throw PipelineError("no Linear layer matches the scheme's targets after the ignore list: nothing to quantize")
        }
        linearPaths = paths
        self.assignments = assignments
        self.groups = validated.map { (name: $0.0, scheme: $0.1) }
        self.ignore = ignore
    }

    /// The largest power of two ≤ `atMost` dividing every width (at least 8), or nil.
    static func suggestedGroupSize(widths: [Int], atMost: Int) -> Int? {
        var g = 1
        while g * 2 <= atMost { g *= 2 }
        while g >= 8 {
            if widths.allSatisfy({ $0 % g == 0 }) { return g }
            g /= 2
        }
        return nil
    }

    /// Every target must select a module (compressed-tensors raises for unmatched targets too);
    /// a target selecting the token embedding asks for something not supported yet. An ignore
    /// entry that selects nothing only warns: real recipes carry ignores for other architectures.
    static func checkTargets(_ matcher: SchemeMatcher, inventory: ModuleInventory) throws -> [String] {
        for group in matcher.groups {
            for pattern in group.patterns {
                let hits = inventory.matches(pattern)
                if hits.isEmpty {
                    let near = inventory.nearest(to: pattern.text).joined(separator: ", ")
                    throw PipelineError("config group '\(group.name)': target '\(pattern.text)' matches no module of the model (nearest: \(near))")
                }
                let embeddings = hits.filter { $0.classNames.contains("Embedding") }
                    .filter { module in !matcher.ignore.contains { $0.matches(path: module.path, classNames: module.classNames) } }
                if let embedding = embeddings.first {
                    throw PipelineError("config group '\(group.name)': target '\(pattern.text)' selects \(embedding.path) (Embedding): quantizing embeddings is not supported yet (only Linear layers); ignore it or target Linear")
                }
                if !hits.contains(where: \.isLinear) {
                    let shown = hits.prefix(2).map { "\($0.path) (\($0.classNames[0]))" }.joined(separator: ", ")
                    throw PipelineError("config group '\(group.name)': target '\(pattern.text)' selects no Linear layer (it matches \(shown)\(hits.count > 2 ? ", …" : "")): only Linear layers are quantized")
                }
            }
        }
        return matcher.ignore.filter { inventory.matches($0).isEmpty }.map { pattern in
            "warning: ignore entry '\(pattern.text)' matches no module of this model (nearest: \(inventory.nearest(to: pattern.text).joined(separator: ", ")))"
        }
    }

    /// Whether any scheme has static input activations (and so needs calibration data).
    public var needsCalibration: Bool {
        groups.contains { group in
            if let input = group.scheme.inputActivations, !input.dynamic.isDynamic { return true }
            return false
        }
    }
}
