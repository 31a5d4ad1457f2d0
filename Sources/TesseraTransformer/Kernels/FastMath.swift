// Vectorisable exp and tanh-approximated GELU for the transformer's hot loops.
//
// The attention softmax takes B·H·L² exponentials per layer (4M at 576 tokens, B = 2, 6 heads)
// and the feed-forward B·L·ffn_dim GELUs: calling libm per element costs more than the GEMMs
// around them. These are branch-free scalar functions that LLVM vectorises inside plain loops
// over pointers (no closures, no calls), accurate to a few float ulps. Only SSE2 operations
// are used (no rounding intrinsics): Swift compiles for the baseline x86-64 target, where
// `rounded()` becomes a libm call and stops vectorisation.

// MARK: - exp

/// e^x for x in [-87, 88] (clamped outside), relative error < 3e-7 (measured 2.5e-7).
///
/// Cody-Waite range reduction x = n·ln2 + r with |r| ≤ ln2/2, then a degree-6 polynomial for
/// e^r, scaled by 2^n through the exponent bits.
@inline(__always)
func fastExp(_ x: Float) -> Float {
    let clamped = min(max(x, -87.0), 88.0)
    // Adding 1.5·2^23 rounds to an integer (to nearest even) with plain float adds; the low
    // mantissa bits of the sum then hold n.
    let shifted = clamped * 1.442_695_040_888_963_4 + 12_582_912.0
    let n = shifted - 12_582_912.0
    // ln2 split in a part exact in float and a remainder.
    let r = (clamped - n * 0.693_145_751_953_125) - n * 1.428_606_765_330_187_045e-6
    var p: Float = 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    let bits = (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23
    return p * Float(bitPattern: bits)
}

// MARK: - GELU (tanh approximation)

/// PyTorch's `gelu(x, approximate="tanh")`: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
///
/// Written as x·σ(2u) = x / (1 + e^(−2u)), the same function without a tanh call.
@inline(__always)
func geluTanh(_ x: Float) -> Float {
    let u = 0.797_884_560_802_865_4 * (x + 0.044_715 * x * x * x)
    return x / (1 + fastExp(-2 * u))
}

/// In place over `count` floats: x ← gelu_tanh(x).
func geluTanhInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { x[i] = geluTanh(x[i]) }
}

/// In place over `count` floats: x ← x·σ(x) (SiLU).
func siluInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { x[i] = x[i] / (1 + fastExp(-x[i])) }
}
