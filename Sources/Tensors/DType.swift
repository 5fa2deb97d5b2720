/// Element types of safetensors files, spelled as in the safetensors header.
public enum DType: String, Sendable, CaseIterable, Codable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case f8e4m3 = "F8_E4M3"
    case i8 = "I8"
    case u8 = "U8"
    case i32 = "I32"
    case i64 = "I64"
    case bool = "BOOL"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f32, .i32: return 4
        case .f16, .bf16: return 2
        case .f8e4m3, .i8, .u8, .bool: return 1
        case .i64: return 8
        }
    }

    /// Whether the type holds floating-point values.
    public var isFloatingPoint: Bool {
        switch self {
        case .f32, .f16, .bf16, .f8e4m3: return true
        default: return false
        }
    }

    /// Order used by the safetensors serializer when it sorts tensors (descending alignment, then name).
    public var safetensorsRank: Int {
        switch self {
        case .bool: return 0
        case .u8: return 1
        case .i8: return 2
        case .f8e4m3: return 3
        case .f16: return 6
        case .bf16: return 7
        case .i32: return 8
        case .f32: return 10
        case .i64: return 12
        }
    }
}
