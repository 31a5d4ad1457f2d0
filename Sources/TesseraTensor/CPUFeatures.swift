// The CPU features that decide which OpenBLAS kernels Tessera asks for.

import COpenBLAS

/// Instruction-set features of this CPU, each usable only when the OS saves its register state.
public struct CPUFeatures: Sendable, CustomStringConvertible {
    public let vendor: String
    public let brand: String
    public let sse3, avx, avx2, fma, f16c: Bool
    public let avx512f, avx512bw, avx512dq, avx512vl, avx512bf16: Bool

    /// Detected once from cpuid and xgetbv.
    public static let current: CPUFeatures = {
        var raw = tessera_cpu_features()
        tessera_cpu_detect(&raw)
        return CPUFeatures(raw)
    }()

    init(_ raw: tessera_cpu_features) {
        var copy = raw
        vendor = withUnsafeBytes(of: &copy.vendor) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        brand = withUnsafeBytes(of: &copy.brand) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        sse3 = raw.sse3 != 0
        avx = raw.avx != 0
        avx2 = raw.avx2 != 0
        fma = raw.fma != 0
        f16c = raw.f16c != 0
        avx512f = raw.avx512f != 0
        avx512bw = raw.avx512bw != 0
        avx512dq = raw.avx512dq != 0
        avx512vl = raw.avx512vl != 0
        avx512bf16 = raw.avx512bf16 != 0
    }

    /// The OpenBLAS core type these features call for: "SkylakeX" (AVX-512 F/BW/DQ/VL),
    /// "Haswell" (AVX2 + FMA), or nil (leave the choice to OpenBLAS).
    public var preferredCoreType: String? {
        if avx512f && avx512bw && avx512dq && avx512vl { return "SkylakeX" }
        if avx2 && fma { return "Haswell" }
        return nil
    }

    /// The usable features by name, e.g. ["sse3", "avx", "avx2", "fma", ...].
    public var names: [String] {
        let all: [(String, Bool)] = [
            ("sse3", sse3), ("avx", avx), ("avx2", avx2), ("fma", fma), ("f16c", f16c),
            ("avx512f", avx512f), ("avx512bw", avx512bw), ("avx512dq", avx512dq),
            ("avx512vl", avx512vl), ("avx512_bf16", avx512bf16),
        ]
        return all.filter(\.1).map(\.0)
    }

    public var description: String { names.joined(separator: " ") }
}
