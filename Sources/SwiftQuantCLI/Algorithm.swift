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

    /// The recipe's modifiers for this algorithm.
    func modifiers(gptq: GPTQSpec, smoothQuant: SmoothQuantSpec) -> [ModifierSpec] {
        switch self {
        case .rtn: [.quantization]
        case .gptq: [.gptq(gptq)]
        case .smoothquantGPTQ: [.smoothQuant(smoothQuant), .gptq(gptq)]
        }
    }

    var usesGPTQ: Bool { self == .gptq || self == .smoothquantGPTQ }
    var usesSmoothQuant: Bool { self == .smoothquantGPTQ }
}

/// Builds the algorithms that run a recipe's modifiers for one model, resolving recipe mappings
/// against the model's architecture before any work starts.
enum ModifierFactory {
    static func make(_ specs: [ModifierSpec], config: ModelConfiguration) throws -> [LayerModifier] {
        try specs.map { spec -> LayerModifier in
            switch spec {
            case .quantization:
                return QuantizationModifier()
            case .gptq(let gptq):
                return GPTQModifier(settings: .init(blockSize: gptq.blockSize, dampeningFraction: Float(gptq.dampeningFraction)))
            case .smoothQuant(let smooth):
                let architecture = config.architecture.declaration
                let layout = config.layout
                let mappings = try smooth.mappings.map { list in
                    try list.map { mapping in
                        do {
                            return try ScaleMappingResolver.resolve(balance: mapping.balance, smooth: mapping.smooth, parent: .balance,
                                                                    architecture: architecture, layout: layout, layers: config.numLayers)
                        } catch let error as AlgorithmError {
                            throw CLIError("SmoothQuantModifier.mappings: \(error.description)")
                        }
                    }
                }
                let algorithm: SmoothQuantModifier.Algorithm = smooth.algorithm == .smoothquant ? .smoothquant : .logEqualization
                return SmoothQuantModifier(settings: .init(strength: smooth.smoothingStrength, algorithm: algorithm,
                                                           mappings: mappings, ignore: try smooth.ignore.map(ModulePattern.init)))
            }
        }
    }
}
