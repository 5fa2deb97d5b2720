import Algorithms
import ArgumentParser
import Models
import Quantization
import Recipes

/// `--algorithm`: the calibrated algorithm of a `--scheme` run.
enum Algorithm: String, CaseIterable, ExpressibleByArgument {
    /// Round to nearest (llm-compressor's QuantizationModifier).
    case rtn
    /// GPTQ (llm-compressor's GPTQModifier).
    case gptq
    /// SmoothQuant, then GPTQ (the W8A8 recipe of llm-compressor's examples).
    case smoothquantGPTQ = "smoothquant+gptq"
    /// AWQ scales, then round to nearest (llm-compressor's AWQ examples).
    case awq
    /// AWQ scales, then GPTQ.
    case awqGPTQ = "awq+gptq"

    /// The recipe's modifiers for this algorithm.
    func modifiers(gptq: GPTQSpec, smoothQuant: SmoothQuantSpec, awq: AWQSpec) -> [ModifierSpec] {
        switch self {
        case .rtn: [.quantization]
        case .gptq: [.gptq(gptq)]
        case .smoothquantGPTQ: [.smoothQuant(smoothQuant), .gptq(gptq)]
        case .awq: [.awq(awq), .quantization]
        case .awqGPTQ: [.awq(awq), .gptq(gptq)]
        }
    }

    var usesGPTQ: Bool { self == .gptq || self == .smoothquantGPTQ || self == .awqGPTQ }
    var usesSmoothQuant: Bool { self == .smoothquantGPTQ }
    var usesAWQ: Bool { self == .awq || self == .awqGPTQ }
}

/// Builds the algorithms that run a recipe's modifiers for one model, resolving recipe mappings
/// against the model's architecture before any work starts.
enum ModifierFactory {
    static func make(_ specs: [ModifierSpec], config: ModelConfiguration) throws -> [LayerModifier] {
        try specs.map { spec -> LayerModifier in
            switch spec {
            case .quantization:
                return QuantizationModifier()
            case .modelSlimLinearQuant(let linearQuant):
                // msModelSlim re-runs each layer with its final fake-quantized Linears when a
                // dynamic_cache process follows (formats.md §2.7).
                let deploys = specs.contains { if case .kvCache(let kv) = $0 { kv.convention == .modelSlim } else { false } }
                return ModelSlimLinearQuantModifier(deploysFakeQuantization: deploys,
                                                    meanAggregationGroups: Set(linearQuant.meanAggregationGroups))
            case .kvCache(let kv):
                do {
                    return try KVCacheModifier(settings: .init(args: kv.args, convention: kv.convention, selects: { kv.selects($0) }))
                } catch let error as AlgorithmError {
                    throw CLIError(error.description)
                }
            case .modelSlimSmooth(let smooth):
                let kinds = Set(smooth.subgraphs.compactMap(IterSmoothModifier.Subgraph.init(rawValue:)))
                let settings = IterSmoothModifier.Settings(process: smooth.process.rawValue, alpha: smooth.alpha, scaleMin: smooth.scaleMin,
                                                           subgraphs: kinds, include: try smooth.include.map(ModulePattern.init),
                                                           exclude: try smooth.exclude.map(ModulePattern.init), symmetric: smooth.symmetric,
                                                           normBias: smooth.process == .smoothQuant)
                return IterSmoothModifier(settings: settings)
            case .outlierSuppressionPlus(let spec):
                return OutlierSuppressionPlusModifier(settings: .init(gridSize: spec.gridSize, shift: spec.shift))
            case .gptq(let gptq):
                return GPTQModifier(settings: .init(blockSize: gptq.blockSize, dampeningFraction: Float(gptq.dampeningFraction),
                                                    arithmetic: gptq.modelSlimGroups == nil ? .compressedTensors : .modelSlim,
                                                    groups: gptq.modelSlimGroups.map(Set.init)))
            case .smoothQuant(let smooth):
                let mappings = try resolved(smooth.mappings, field: "SmoothQuantModifier.mappings") { mapping in
                    try ScaleMappingResolver.resolve(balance: mapping.balance, smooth: mapping.smooth, parent: .balance,
                                                     architecture: config.architecture.declaration, layout: config.layout,
                                                     layers: config.numLayers)
                }
                let algorithm: SmoothQuantModifier.Algorithm = smooth.algorithm == .smoothquant ? .smoothquant : .logEqualization
                return SmoothQuantModifier(settings: .init(strength: smooth.smoothingStrength, algorithm: algorithm,
                                                           mappings: mappings, ignore: try smooth.ignore.map(ModulePattern.init)))
            case .awq(let awq):
                // Shape-incompatible mappings are skipped, as llm-compressor does (v_proj → o_proj under GQA).
                let mappings = try resolved(awq.mappings, field: "AWQModifier.mappings") { mapping in
                    try ScaleMappingResolver.resolveIfCompatible(balance: mapping.balance, smooth: mapping.smooth, parent: nil,
                                                                 architecture: config.architecture.declaration, layout: config.layout,
                                                                 layers: config.numLayers)
                }
                return AWQModifier(settings: .init(mappings: mappings, duoScaling: awq.duoScaling, gridSize: awq.nGrid,
                                                   clip: awq.applyClip ? .init(grid: awq.clipNGrid, maxShrink: awq.clipMaxShrink) : nil))
            }
        }
    }

    /// A recipe's mappings resolved against the model's architecture (nil = the declared ones);
    /// `resolve` returns nil for a mapping to skip. A mapping the architecture cannot serve is a
    /// one-line error naming the recipe field.
    private static func resolved<Mapping>(_ list: [Mapping]?, field: String,
                                          _ resolve: (Mapping) throws -> ScaleMapping?) throws -> [ScaleMapping]? {
        try list.map { mappings in
            try mappings.compactMap { mapping in
                do {
                    return try resolve(mapping)
                } catch let error as AlgorithmError {
                    throw CLIError("\(field): \(error.description)")
                }
            }
        }
    }
}
