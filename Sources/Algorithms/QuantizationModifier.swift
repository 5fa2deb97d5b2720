import Models
import Quantization
import Tensors

/// llm-compressor's QuantizationModifier: static input-activation scales from a calibration pass,
/// and round-to-nearest weights with qparams from the weight observer. The rounding is done by
/// `roundRemaining` once every modifier has acted on the layer, for the Linears no other
/// modifier (GPTQ) quantized, so it sees the weights as smoothing left them.
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
        observers.record(into: &result, context: context)
        observers = InputActivationObservers()
    }

    /// Round-to-nearest for every quantized Linear of the layer that has no quantized weight yet.
    public static func roundRemaining(_ layer: DecoderLayer, result: inout LayerQuantization, context: LayerContext) throws {
        for role in LinearRole.allCases {
            guard let assignment = context.assignments[role], let args = assignment.scheme.weights,
                  result.weights[role] == nil else { continue }
            result.weights[role] = try WeightQuantizer.quantize(layer[role].weight, args: args, dtype: context.dtype)
        }
    }
}
