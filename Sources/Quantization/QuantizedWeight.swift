import Tensors

/// A quantized weight matrix: integer (or fp8) values plus per-tensor/channel/group qparams.
public struct QuantizedWeight: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    public let args: QuantizationArgs
    /// The dtype scales are stored and dequantized in (the model dtype).
    public let dtype: ComputeDType
    /// Quantized values, row-major: integers in [qmin, qmax], or fp8-representable values.
    public var values: [Float]
    /// Scales, `scaleRows × scaleCols` row-major.
    public var scales: [Float]
    /// Zero points (integers), same shape as `scales`; all zero when symmetric.
    public var zeroPoints: [Float]
    public let scaleRows: Int
    public let scaleCols: Int
    /// The group of every input column (compressed-tensors' `weight_g_idx`), when columns were
    /// grouped in activation order instead of consecutively (GPTQ `actorder: group`); nil means
    /// column c belongs to group c / group_size.
    public var groupIndex: [Int32]?

    /// Creates a quantized weight from its parts.
    public init(rows: Int, cols: Int, args: QuantizationArgs, dtype: ComputeDType, values: [Float], scales: [Float],
                zeroPoints: [Float], scaleRows: Int, scaleCols: Int, groupIndex: [Int32]? = nil) {
        self.groupIndex = groupIndex
        self.rows = rows
        self.cols = cols
        self.args = args
        self.dtype = dtype
        self.values = values
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.scaleRows = scaleRows
        self.scaleCols = scaleCols
    }

    /// Columns sharing one scale along a row (cols for channel, g for group).
    public var columnsPerScale: Int { scaleCols == 0 ? cols : cols / scaleCols }

    /// qparams used for element (r, c).
    @inlinable public func qparams(row r: Int, col c: Int) -> QParams {
        let sr = scaleRows == 1 ? 0 : r
        let sc = scaleCols == 1 ? 0 : (groupIndex.map { Int($0[c]) } ?? c / columnsPerScale)
        let i = sr * scaleCols + sc
        return QParams(scale: scales[i], zeroPoint: zeroPoints[i])
    }

    /// The dequantized weight in fp32 (values exact in the model dtype).
    public func dequantized() -> Matrix {
        var out = Matrix(rows: rows, cols: cols)
        out.data.withUnsafeMutableBufferPointer { op in
            let base = op.baseAddress!
            Parallel.chunks(rows, minimumChunk: 16) { range in
                for r in range {
                    for c in 0..<cols {
                        base[r * cols + c] = QuantArithmetic.dequantize(values[r * cols + c], qparams(row: r, col: c), dtype: dtype)
                    }
                }
            }
        }
        return out
    }
}

/// Round-to-nearest weight quantization with qparams from a weight observer.
public enum WeightQuantizer {
    /// Checks that `args` can quantize a weight of `cols` input columns.
    public static func checkShape(path: String, cols: Int, args: QuantizationArgs) throws {
        if args.resolvedStrategy == .group, let g = args.groupSize, cols % g != 0 {
            throw QuantizationError("\(path) (columns=\(cols), group_size=\(g))")
        }
        guard [.tensor, .channel, .group].contains(args.resolvedStrategy) else {
            throw QuantizationError("weight strategy '\(args.resolvedStrategy.rawValue)' is not supported yet (use tensor, channel or group)")
        }
    }

    /// The qparams an observer picks for `weight` (rows × cols) under `args`.
    public static func observe(_ weight: Matrix, args: QuantizationArgs, dtype: ComputeDType) throws -> (scales: [Float], zeroPoints: [Float], rows: Int, cols: Int) {
        let observer = try WeightObserverKind(name: args.observer, kwargs: args.observerKwargs)
        let (scaleRows, scaleCols, width): (Int, Int, Int)
        switch args.resolvedStrategy {
        case .tensor: (scaleRows, scaleCols, width) = (1, 1, weight.count)
        case .channel: (scaleRows, scaleCols, width) = (weight.rows, 1, weight.cols)
        case .group:
            let g = args.groupSize ?? weight.cols
            (scaleRows, scaleCols, width) = (weight.rows, weight.cols / g, g)
        default:
            throw QuantizationError("weight strategy '\(args.resolvedStrategy.rawValue)' is not supported yet")
        }
        let count = scaleRows * scaleCols
        var scales = [Float](repeating: 0, count: count)
        var zeros = [Float](repeating: 0, count: count)
        // Groups are consecutive in row-major order for every strategy here.
        let chosen = weight.data.withUnsafeBufferPointer { wp in
            observer.qparams(groupsAt: wp.baseAddress!, count: count, width: width, args: args, dtype: dtype)
        }
        for i in 0..<count {
            scales[i] = chosen[i].scale
            zeros[i] = chosen[i].zeroPoint
        }
        return (scales, zeros, scaleRows, scaleCols)
    }

    /// RTN: observe qparams, then quantize every element.
    public static func quantize(_ weight: Matrix, args: QuantizationArgs, dtype: ComputeDType) throws -> QuantizedWeight {
        let observed = try observe(weight, args: args, dtype: dtype)
        return quantize(weight, args: args, dtype: dtype, scales: observed.scales, zeroPoints: observed.zeroPoints,
                        scaleRows: observed.rows, scaleCols: observed.cols)
    }

    /// Quantizes every element with given qparams.
    public static func quantize(_ weight: Matrix, args: QuantizationArgs, dtype: ComputeDType, scales: [Float],
                                zeroPoints: [Float], scaleRows: Int, scaleCols: Int) -> QuantizedWeight {
        var values = [Float](repeating: 0, count: weight.count)
        let rows = weight.rows, cols = weight.cols
        let perScale = scaleCols == 0 ? cols : cols / scaleCols
        values.withUnsafeMutableBufferPointer { vp in
            weight.data.withUnsafeBufferPointer { wp in
                scales.withUnsafeBufferPointer { sp in
                    zeroPoints.withUnsafeBufferPointer { zp in
                        let v = vp.baseAddress!, w = wp.baseAddress!, s = sp.baseAddress!, z = zp.baseAddress!
                        Parallel.chunks(rows, minimumChunk: 16) { range in
                            for r in range {
                                let scaleRow = scaleRows == 1 ? 0 : r
                                for g in 0..<(cols / perScale) {
                                    let i = scaleRow * scaleCols + (scaleCols == 1 ? 0 : g)
                                    let q = QParams(scale: s[i], zeroPoint: z[i])
                                    let start = r * cols + g * perScale
                                    quantizeRun(w + start, into: v + start, count: perScale, q: q, args: args, dtype: dtype)
                                }
                            }
                        }
                    }
                }
            }
        }
        return QuantizedWeight(rows: rows, cols: cols, args: args, dtype: dtype, values: values,
                               scales: scales, zeroPoints: zeroPoints, scaleRows: scaleRows, scaleCols: scaleCols)
    }

    /// The inner loop of RTN for one run of values sharing qparams, specialized per dtype.
    @inline(__always)
    static func quantizeRun(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int,
                            q: QParams, args: QuantizationArgs, dtype: ComputeDType) {
        switch (dtype, args.type) {
        case (.float32, .int):
            quantizeInt(x, out, count, q, args) { $0 }
        case (.bfloat16, .int):
            quantizeInt(x, out, count, q, args) { FloatBits.roundToBF16($0) }
        default:
            for i in 0..<count { out[i] = QuantArithmetic.quantize(x[i], q, args: args, dtype: dtype) }
        }
    }

    @inline(__always)
    static func quantizeInt(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ count: Int, _ q: QParams,
                            _ args: QuantizationArgs, _ round: (Float) -> Float) {
        let (qmin, qmax) = args.range
        let scale = q.scale
        // Adding and subtracting 1.5·2^23 rounds half to even for |t| < 2^22 (t is clamped first).
        let magic: Float = 12_582_912
        if args.symmetric {
            for i in 0..<count {
                let t = min(max(round(x[i] / scale), qmin), qmax)
                out[i] = (t + magic) - magic
            }
        } else {
            let zp = q.zeroPoint
            for i in 0..<count {
                let t = min(max(round(round(x[i] / scale) + zp), qmin), qmax)
                out[i] = (t + magic) - magic
            }
        }
    }
}
