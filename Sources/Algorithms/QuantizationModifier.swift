import Models
import Quantization
import Tensors

/// llm-compressor's QuantizationModifier: round-to-nearest weights with qparams from the weight
/// observer, and static input-activation scales from a calibration pass. Linears a modifier
/// before it already quantized (GPTQ) are left as they are.
public final class QuantizationModifier: LayerModifier {
    public var name: String { "QuantizationModifier" }
    public var changesForward: Bool { false }
    private var observers = InputActivationObservers()

    /// A modifier for the plan's schemes.
    public init() {}

    public func needsCalibration(_ context: LayerContext) -> Bool {
        InputActivationObservers.needed(context)
    }

    public func attach(to layer: inout DecoderLayer, context: LayerContext) throws {
        observers = InputActivationObservers()
        try observers.attach(to: &layer, context: context)
    }

    public func apply(to layer: inout DecoderLayer, result: inout LayerQuantization, context: LayerContext) throws {
        for role in LinearRole.allCases {
            guard let assignment = context.assignments[role], let args = assignment.scheme.weights,
                  result.weights[role] == nil else { continue }
            result.weights[role] = try WeightQuantizer.quantize(layer[role].weight, args: args, dtype: context.dtype)
        }
        observers.record(into: &result, context: context)
        observers = InputActivationObservers()
    }
}
