import Tensors

/// GPTQ's Hessian of one Linear input: H = 2/n · Σ x xᵀ over every token row x of n calibration
/// samples (llm-compressor counts samples, not tokens). Rows arrive in batches of whole samples;
/// the sum is a symmetric rank-k update (`ssyrk`).
public final class HessianAccumulator: @unchecked Sendable {
    // Written only by the pipeline's thread, between forward calls.
    public let width: Int
    private var accumulated: [Float]
    public private(set) var samples = 0

    /// An empty accumulator for inputs of `width` features.
    public init(width: Int) {
        self.width = width
        accumulated = [Float](repeating: 0, count: width * width)
    }

    /// Adds the rows of `x` (rows × width), which hold `samples` whole samples.
    public func add(_ x: Matrix, samples added: Int) {
        precondition(x.cols == width, "Hessian: input width \(x.cols) != \(width)")
        Profile.time("hessian") {
            x.data.withUnsafeBufferPointer { xp in
                accumulated.withUnsafeMutableBufferPointer { sp in
                    SymmetricMatrix.accumulateGram(xp.baseAddress!, rows: x.rows, n: width, into: sp.baseAddress!)
                }
            }
        }
        samples += added
    }

    /// The unscaled Σ x xᵀ (row-major, width × width).
    public var sum: [Float] { accumulated }

    /// The Hessian 2/n · Σ x xᵀ (row-major, width × width); zeros when nothing was added.
    public func hessian() -> [Float] {
        guard samples > 0 else { return accumulated }
        let factor = Float(2.0 / Double(samples))
        return accumulated.map { $0 * factor }
    }
}
