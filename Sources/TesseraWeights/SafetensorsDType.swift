// The closed set of element types a safetensors file may declare.
//
// Mirrors `Dtype` in huggingface/safetensors `safetensors/src/tensor.rs` (0.8.0): the same
// 22 names and bit sizes. Sub-byte types (F4, F6_*) are legal when a tensor's total bit
// count is a whole number of bytes, as in the reference.

/// A safetensors element type, spelled as in the file header.
public enum SafetensorsDType: String, CaseIterable, Sendable {
    case bool = "BOOL"
    case f4 = "F4"
    case f6e2m3 = "F6_E2M3"
    case f6e3m2 = "F6_E3M2"
    case u8 = "U8"
    case i8 = "I8"
    case f8e5m2 = "F8_E5M2"
    case f8e4m3 = "F8_E4M3"
    case f8e8m0 = "F8_E8M0"
    case f8e4m3fnuz = "F8_E4M3FNUZ"
    case f8e5m2fnuz = "F8_E5M2FNUZ"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case c64 = "C64"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"

    /// Bits per element, as `Dtype::bitsize` in the reference.
    public var bitSize: Int {
        switch self {
        case .f4: return 4
        case .f6e2m3, .f6e3m2: return 6
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz: return 8
        case .i16, .u16, .f16, .bf16: return 16
        case .i32, .u32, .f32: return 32
        case .c64, .f64, .i64, .u64: return 64
        }
    }

    /// Bytes per element for the whole-byte types; nil for F4 and F6.
    public var byteSize: Int? { bitSize % 8 == 0 ? bitSize / 8 : nil }

    /// True for the types `SafetensorsFile.tensor(_:)` converts to fp32 (F64, F32, F16, BF16).
    public var isConvertibleToFloat: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16: return true
        default: return false
        }
    }

    /// True for BOOL and the signed and unsigned integer types.
    public var isInteger: Bool {
        switch self {
        case .bool, .u8, .i8, .i16, .u16, .i32, .u32, .i64, .u64: return true
        default: return false
        }
    }
}
