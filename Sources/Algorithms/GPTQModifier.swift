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
        /// llm-compressor's GPTQ, or msModelSlim's (`linear_quant` with `method: gptq`).
        public var arithmetic: GPTQSolver.Arithmetic
        /// The config groups whose Linears the modifier solves; nil = every quantized Linear.
        public var groups: Set<String>?

        /// llm-compressor 0.14's defaults. (Its `actorder` field is resolved into the weight
        /// schemes' `actorder` by the recipe, as llm-compressor writes it into the checkpoint.)
        public init(blockSize: Int = 128, dampeningFraction: Float = 0.01, arithmetic: GPTQSolver.Arithmetic = .compressedTensors,
                    groups: Set<String>? = nil) {
            self.blockSize = blockSize
            self.dampeningFraction = dampeningFraction
            self.arithmetic = arithmetic
            self.groups = groups
        }
    }

    public let settings: Settings
    public var name: String { "GPTQModifier" }
    public var changesForward: Bool { true }
    /// msModelSlim calibrates with transformers' default attention (`sdpa`).
    public var calibrationAttention: ForwardPrecision.Attention { settings.arithmetic == .modelSlim ? .sdpa : .eager }
    private var hessians: [LinearRole: HessianAccumulator] = [:]
    private var observers = InputActivationObservers()

    /// A modifier with `settings`.
    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    public func needsCalibration(_ context: LayerContext) -> Bool {
        context.assignments.values.contains { solves($0) }
    }

    /// Whether the modifier solves a Linear with this assignment.
    func solves(_ assignment: LinearAssignment) -> Bool {
        assignment.scheme.weights != nil && (settings.groups?.contains(assignment.group) ?? true)
    }

    public func attach(to layer: inout DecoderLayer, context: LayerContext) throws {
        hessians = [:]
        observers = InputActivationObservers()
        // msModelSlim observes static activations in its own linear_quant, after GPTQ.
        if settings.arithmetic == .compressedTensors { try observers.attach(to: &layer, context: context) }
        let batch = context.batch
        for group in context.layout.inputGroups {
            guard group.contains(where: { context.assignments[$0].map(solves) ?? false }), let first = group.first else { continue }
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
            guard let assignment = context.assignments[role], solves(assignment), let args = assignment.scheme.weights,
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
            var options = GPTQSolver.Options(blockSize: settings.blockSize, dampeningFraction: settings.dampeningFraction,
                                             ordering: ordering)
            options.arithmetic = settings.arithmetic
            // msModelSlim damps once, with no retry.
            if settings.arithmetic == .modelSlim { options.retryFractions = [] }
            let solved: GPTQSolver.Result
            do {
                solved = try GPTQSolver.solve(weight: layer[role].weight, hessian: hessian, args: args, dtype: context.dtype,
                                              options: options)
            } catch GPTQSolver.SolveError.orderingWithModelSlimArithmetic {
                throw AlgorithmError("\(path): msModelSlim's GPTQ has no activation ordering (actorder)")
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
