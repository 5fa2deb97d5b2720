import Tensors

/// The dtype in which compressed-tensors evaluates qparams and quantization: the model's dtype.
/// Every operation's result is rounded to it, as torch does for bf16/fp16 tensors.
public enum ComputeDType: String, Sendable, CaseIterable {
    case float32
    case bfloat16
    case float16

    /// Rounds an fp32 value to this dtype.
    @inlinable public func round(_ x: Float) -> Float {
        switch self {
        case .float32: return x
        case .bfloat16: return FloatBits.roundToBF16(x)
        case .float16: return Float(Float16(x))
        }
    }

    /// torch.finfo(dtype).eps: the replacement for a zero scale.
    public var eps: Float {
        switch self {
        case .float32: return 0x1p-23
        case .bfloat16: return 0x1p-7
        case .float16: return 0x1p-10
        }
    }

    /// torch.finfo(dtype).max.
    public var greatestFinite: Float {
        switch self {
        case .float32: return .greatestFiniteMagnitude
        case .bfloat16: return Float(bitPattern: 0x7F7F_0000)
        case .float16: return 65504
        }
    }

    /// The safetensors dtype of tensors stored in this dtype.
    public var storage: DType {
        switch self {
        case .float32: return .f32
        case .bfloat16: return .bf16
        case .float16: return .f16
        }
    }

    /// The compute dtype of a safetensors dtype (anything else computes in fp16, as compressed-tensors does).
    public init(storage: DType) {
        switch storage {
        case .f32: self = .float32
        case .bf16: self = .bfloat16
        default: self = .float16
        }
    }
}
