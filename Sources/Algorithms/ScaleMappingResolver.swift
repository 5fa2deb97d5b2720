import Models
import Quantization

/// Resolves scaling mappings written as module patterns (llm-compressor's `mappings`:
/// `[[balance patterns], smooth pattern]`) against an architecture's declared layout. Every decoder
/// layer must resolve to the same modules; a pattern that names no module of the architecture is
/// an error naming it and the modules there are.
public enum ScaleMappingResolver {
    /// The mapping of `balance` patterns onto `smooth`, for every layer of a model of `layers` layers.
    /// `parent` nil = AWQ's: the lowest common ancestor of the balance Linears (the attention
    /// block, the MLP, or the Linear itself when there is one).
    public static func resolve(balance: [String], smooth: String, parent: ScaleMapping.Parent?,
                               architecture: any DecoderArchitecture, layout: LayerLayout, layers: Int) throws -> ScaleMapping {
        guard let mapping = try resolveIfCompatible(balance: balance, smooth: smooth, parent: parent, architecture: architecture,
                                                    layout: layout, layers: layers) else {
            throw AlgorithmError("mapping ['\(balance.joined(separator: "', '"))'] → '\(smooth)': the smooth layer's output width differs from the balance layers' input widths")
        }
        return mapping
    }

    /// As `resolve`, but nil when the smooth module's output width differs from a balance Linear's
    /// input width (llm-compressor's AWQ skips such mappings, e.g. v_proj → o_proj under GQA).
    public static func resolveIfCompatible(balance: [String], smooth: String, parent: ScaleMapping.Parent?,
                                           architecture: any DecoderArchitecture, layout: LayerLayout, layers: Int) throws -> ScaleMapping? {
        let smoothPattern = try ModulePattern(smooth)
        let balancePatterns = try balance.map(ModulePattern.init)
        var resolved: ScaleMapping?
        for index in 0..<max(1, layers) {
            let prefix = architecture.layerPrefix(index)
            let norms = layout.norms.filter { smoothPattern.matches(path: prefix + $0.name, classNames: [architecture.classPrefix + "RMSNorm"]) }
            let linears = layout.linears.filter { smoothPattern.matches(path: prefix + $0.name, classNames: ["Linear"]) }
            let smoothModule: ScaleMapping.Smooth
            switch (norms.count, linears.count) {
            case (1, 0): smoothModule = .norm(norms[0].role)
            case (0, 1): smoothModule = .linear(linears[0].role)
            case (0, 0):
                throw AlgorithmError("mapping smooth layer '\(smooth)' names no module of \(architecture.modelType) layer \(index) (its norms: \(layout.norms.map(\.name).joined(separator: ", ")); its Linears: \(layout.linears.map(\.name).joined(separator: ", ")))")
            default:
                throw AlgorithmError("mapping smooth layer '\(smooth)' matches \(norms.count + linears.count) modules of layer \(index); it must name one")
            }
            var roles: [LinearRole] = []
            for (pattern, text) in zip(balancePatterns, balance) {
                let hits = layout.linears.filter { pattern.matches(path: prefix + $0.name, classNames: ["Linear"]) }.map(\.role)
                guard !hits.isEmpty else {
                    throw AlgorithmError("mapping balance layer '\(text)' names no Linear of \(architecture.modelType) layer \(index) (its Linears: \(layout.linears.map(\.name).joined(separator: ", ")))")
                }
                roles += hits.filter { !roles.contains($0) }
            }
            let readers = architecture.linearsReading(smoothModule)
            if let stray = roles.first(where: { !readers.contains($0) }) {
                throw AlgorithmError("mapping balance layer '\(layout.linear(stray).name)' does not read the output of smooth layer '\(smooth)' in \(architecture.modelType) (layers that do: \(readers.isEmpty ? "none" : readers.map { layout.linear($0).name }.joined(separator: ", ")))")
            }
            let ordered = LinearRole.allCases.filter(roles.contains)
            let mapping = ScaleMapping(smooth: smoothModule, balance: ordered, parent: try parent ?? commonParent(ordered, balance: balance))
            if let resolved, resolved != mapping {
                throw AlgorithmError("mapping ['\(balance.joined(separator: "', '"))'] → '\(smooth)' selects different modules in layer \(index) than in layer 0: per-layer mappings are not supported yet")
            }
            resolved = mapping
        }
        // The scale vector must fit: the smooth module's output width equals every balance input width.
        let width: Int
        switch resolved?.smooth {
        case .norm(let role)?: width = layout.norms.first { $0.role == role }?.width ?? -1
        case .linear(let role)?: width = layout.linear(role).outFeatures
        case nil: width = -1
        }
        guard let resolved, resolved.balance.allSatisfy({ layout.linear($0).inFeatures == width }) else { return nil }
        return resolved
    }

    /// The module whose output AWQ compares for balance Linears `roles`.
    static func commonParent(_ roles: [LinearRole], balance: [String]) throws -> ScaleMapping.Parent {
        let attention: Set<LinearRole> = [.qProj, .kProj, .vProj, .oProj]
        let mlp: Set<LinearRole> = [.gateProj, .upProj, .downProj]
        if roles.count == 1 { return .balance }
        if roles.allSatisfy(attention.contains) { return .attention }
        if roles.allSatisfy(mlp.contains) { return .mlp }
        throw AlgorithmError("mapping balance layers ['\(balance.joined(separator: "', '"))'] span the attention block and the MLP; their common parent would be the whole decoder layer, which is not supported")
    }
}
