import Models
import Quantization
import Tensors

/// llm-compressor's GPTQModifier: a Hessian per Linear input (q/k/v and gate/up share one),
/// accumulated over the layer's calibration pass, then `GPTQSolver` for every quantized Linear;
/// the layer then computes with the quantized weights. Static input activations of the same
/// schemes are observed in the same pass, as llm-compressor's quantization mixin does.
public final class GPTQModifier: LayerModifier {
    /// The recipe's settings.
    public struct Settings: Sendable, Equatable {
        public var blockSize: Int
        public var dampeningFraction: Float

        /// llm-compressor 0.14's defaults. (Its `actorder` field is resolved into the weight
        /// schemes' `actorder` by the recipe, as llm-compressor writes it into the checkpoint.)
        public init(blockSize: Int = 128, dampeningFraction: Float = 0.01) {
            self.blockSize = blockSize
            self.dampeningFraction = dampeningFraction
        }
    }

    public let settings: Settings
    public var name: String { "GPTQModifier" }
    public var changesForward: Bool { true }
    private var hessians: [LinearRole: HessianAccumulator] = [:]
    private var observers = InputActivationObservers()

    /// A modifier with `settings`.
    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    public func needsCalibration(_ context: LayerContext) -> Bool {
        context.assignments.values.contains { $0.scheme.weights != nil }
    }

    public func attach(to layer: inout DecoderLayer, context: LayerContext) throws {
        hessians = [:]
        observers = InputActivationObservers()
        try observers.attach(to: &layer, context: context)
        let batch = context.batch
        for group in context.layout.inputGroups {
            guard group.contains(where: { context.assignments[$0]?.scheme.weights != nil }), let first = group.first else { continue }
            let accumulator = HessianAccumulator(width: context.layout.linear(first).inFeatures)
            for role in group { hessians[role] = accumulator }
            layer[first].addInputObserver { x in accumulator.add(x, samples: batch.segments.count) }
        }
    }

    public func apply(to layer: inout DecoderLayer, result: inout LayerQuantization, context: LayerContext) throws {
        defer {
            hessians = [:]
            observers = InputActivationObservers()
        }
        observers.record(into: &result, context: context)
        var solvedHessians: [ObjectIdentifier: [Float]] = [:]
        for role in LinearRole.allCases {
            guard let assignment = context.assignments[role], let args = assignment.scheme.weights,
                  result.weights[role] == nil, let accumulator = hessians[role] else { continue }
            let path = context.path(role)
            guard accumulator.samples > 0 else {
                throw AlgorithmError("\(path): GPTQ saw no calibration samples (give --dataset and --samples)")
            }
            let key = ObjectIdentifier(accumulator)
            let hessian = solvedHessians[key] ?? accumulator.hessian()
            solvedHessians[key] = hessian
            // llm-compressor orders the columns whatever the strategy (`weight`, alias `static`).
            let ordering: GPTQSolver.Ordering = args.actorder != nil ? .weight : .none
            let options = GPTQSolver.Options(blockSize: settings.blockSize, dampeningFraction: settings.dampeningFraction,
                                             ordering: ordering)
            let solved: GPTQSolver.Result
            do {
                solved = try GPTQSolver.solve(weight: layer[role].weight, hessian: hessian, args: args, dtype: context.dtype,
                                              options: options)
            } catch GPTQSolver.SolveError.notPositiveDefinite(let fractions) {
                throw AlgorithmError("\(path): the GPTQ Hessian is not positive definite even with dampening fractions \(fractions.map { "\($0)" }.joined(separator: ", ")) (too few or degenerate calibration samples? give more --samples or a larger dampening_frac)")
            }
            if solved.dampeningFraction != settings.dampeningFraction {
                context.report("\(path): Hessian not positive definite with dampening \(settings.dampeningFraction); used \(solved.dampeningFraction)")
            }
            result.weights[role] = solved.quantized
            layer[role].weight = solved.dequantized
        }
    }
}
