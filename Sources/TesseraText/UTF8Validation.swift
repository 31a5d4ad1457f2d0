// UTF-8 validation that reports where the bytes go wrong (Unicode 15, §3.9 table 3-7:
// no overlong forms, no surrogates, nothing above U+10FFFF).

/// Finds the first ill-formed UTF-8 sequence in a byte buffer.
public enum UTF8Validation {
    /// Offset (0-based) of the first byte of the first ill-formed sequence, or nil when all
    /// bytes are well-formed UTF-8.
    public static func firstInvalidByteOffset<C: Collection>(_ bytes: C) -> Int? where C.Element == UInt8 {
        let b = Array(bytes)
        var i = 0
        while i < b.count {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF  // allowed range of the second byte
            switch c {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return i  // continuation byte, C0/C1, F5-FF
            }
            guard i + length <= b.count else { return i }
            guard b[i + 1] >= low && b[i + 1] <= high else { return i }
            for k in 2..<max(2, length) where b[i + k] & 0xC0 != 0x80 { return i }
            i += length
        }
        return nil
    }

    /// Decodes `bytes` as UTF-8, or throws `TextEncoderError.invalidUTF8` with the position.
    public static func decode<C: Collection>(_ bytes: C) throws -> String where C.Element == UInt8 {
        if let offset = firstInvalidByteOffset(bytes) {
            throw TextEncoderError.invalidUTF8(byteOffset: offset)
        }
        return String(decoding: Array(bytes), as: UTF8.self)
    }
}
