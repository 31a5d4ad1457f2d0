// Conversions between fp32 and the 16-bit storage types of checkpoints (IEEE half, bfloat16).

/// Bulk f16/bf16 ↔ f32 conversion. f16 → f32 goes through a 65,536-entry table (exact, one
/// load per element); bf16 → f32 is a shift; f32 → bf16 rounds to nearest even (NaN kept a
/// quiet NaN); f32 → f16 rounds to nearest even through the hardware-independent conversion.
public enum HalfPrecision {
    /// fp32 value of every f16 bit pattern.
    private static let f16Table: [Float] = (0...0xFFFF).map { halfBitsToFloat(UInt16($0)) }

    /// Exact f16 → f32 by bit manipulation (used to build the table; also a reference).
    public static func halfBitsToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F {  // inf, NaN
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            if mantissa == 0 { return Float(bitPattern: sign) }
            // Subnormal: mantissa · 2⁻²⁴, exact in fp32.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }

    /// f32 → f16 bits, round to nearest even, overflow to ±inf.
    public static func floatToHalfBits(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {
            return sign | 0x7C00 | (mantissa != 0 ? 0x200 | UInt16(mantissa >> 13) : 0)
        }
        let e = exponent - 127 + 15
        if e >= 0x1F { return sign | 0x7C00 }
        if e <= 0 {
            // Subnormal or zero in f16: shift the full significand, round to nearest even.
            if e < -10 { return sign }
            let significand = mantissa | 0x80_0000
            let shift = UInt32(14 - e)
            var half = significand >> shift
            let remainder = significand & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if remainder > halfway || (remainder == halfway && half & 1 == 1) { half += 1 }
            return sign | UInt16(half)
        }
        var half = UInt32(e) << 10 | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && half & 1 == 1) { half += 1 }  // may carry into inf: correct
        return sign | UInt16(half)
    }

    /// bf16 bits → f32 (exact).
    @inline(__always)
    public static func bfloat16BitsToFloat(_ b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// f32 → bf16 bits, round to nearest even; NaN stays NaN.
    @inline(__always)
    public static func floatToBFloat16Bits(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        if x.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }

    // MARK: - Bulk

    /// f16 → f32 for `count` elements.
    public static func convertHalfToFloat(
        _ source: UnsafePointer<UInt16>, _ destination: UnsafeMutablePointer<Float>, count: Int
    ) {
        f16Table.withUnsafeBufferPointer { table in
            let table = table.baseAddress!
            parallelChunks(count) { range in
                for i in range { destination[i] = table[Int(source[i])] }
            }
        }
    }

    /// bf16 → f32 for `count` elements.
    public static func convertBFloat16ToFloat(
        _ source: UnsafePointer<UInt16>, _ destination: UnsafeMutablePointer<Float>, count: Int
    ) {
        parallelChunks(count) { range in
            for i in range { destination[i] = Float(bitPattern: UInt32(source[i]) << 16) }
        }
    }

    /// f32 → f16 for `count` elements.
    public static func convertFloatToHalf(
        _ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<UInt16>, count: Int
    ) {
        parallelChunks(count) { range in
            for i in range { destination[i] = floatToHalfBits(source[i]) }
        }
    }

    /// f32 → bf16 for `count` elements.
    public static func convertFloatToBFloat16(
        _ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<UInt16>, count: Int
    ) {
        parallelChunks(count) { range in
            for i in range { destination[i] = floatToBFloat16Bits(source[i]) }
        }
    }

    /// Array conveniences.
    public static func floats(fromHalf bits: [UInt16]) -> [Float] {
        [Float](unsafeUninitializedCapacity: bits.count) { buffer, initialized in
            bits.withUnsafeBufferPointer { convertHalfToFloat($0.baseAddress!, buffer.baseAddress!, count: bits.count) }
            initialized = bits.count
        }
    }

    public static func floats(fromBFloat16 bits: [UInt16]) -> [Float] {
        [Float](unsafeUninitializedCapacity: bits.count) { buffer, initialized in
            bits.withUnsafeBufferPointer { convertBFloat16ToFloat($0.baseAddress!, buffer.baseAddress!, count: bits.count) }
            initialized = bits.count
        }
    }

    public static func halfBits(from floats: [Float]) -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: floats.count) { buffer, initialized in
            floats.withUnsafeBufferPointer { convertFloatToHalf($0.baseAddress!, buffer.baseAddress!, count: floats.count) }
            initialized = floats.count
        }
    }

    public static func bfloat16Bits(from floats: [Float]) -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: floats.count) { buffer, initialized in
            floats.withUnsafeBufferPointer { convertFloatToBFloat16($0.baseAddress!, buffer.baseAddress!, count: floats.count) }
            initialized = floats.count
        }
    }

    /// Conversion is memory-bound: split only large arrays.
    private static func parallelChunks(_ count: Int, _ body: (Range<Int>) -> Void) {
        Threads.parallelFor(count, grain: 1 << 18, body)
    }
}
