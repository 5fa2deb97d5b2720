import Algorithms
import ArgumentParser
import Quantization
import Recipes

/// `--algorithm`: the calibrated algorithm of a `--scheme` run.
enum Algorithm: String, CaseIterable, ExpressibleByArgument {
    /// Round to nearest (llm-compressor's QuantizationModifier).
    case rtn
    /// GPTQ (llm-compressor's GPTQModifier).
    case gptq

    /// The recipe's modifiers for this algorithm.
    func modifiers(gptq: GPTQSpec) -> [ModifierSpec] {
        switch self {
        case .rtn: [.quantization]
        case .gptq: [.gptq(gptq)]
        }
    }
}

/// Builds the algorithms that run a recipe's modifiers.
enum ModifierFactory {
    static func make(_ specs: [ModifierSpec]) -> [LayerModifier] {
        specs.map { spec -> LayerModifier in
            switch spec {
            case .quantization:
                return QuantizationModifier()
            case .gptq(let gptq):
                return GPTQModifier(settings: .init(blockSize: gptq.blockSize, dampeningFraction: Float(gptq.dampeningFraction)))
            }
        }
    }
}
