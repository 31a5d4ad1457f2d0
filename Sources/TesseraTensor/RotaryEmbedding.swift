// Rotary position embeddings in the complex-pair convention of diffusers' Wan
// (diffusers 0.42.1, models/transformers/transformer_wan.py: `WanRotaryPosEmbed`, and
// `apply_rotary_emb` inside `WanAttnProcessor`; embeddings.py: `get_1d_rotary_pos_embed`).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rotates interleaved pairs (x[..., 2i], x[..., 2i+1]) of every head by the angle of
/// position l and frequency i, in place:
///   out[2i]   = x[2i]·cos[l, i] − x[2i+1]·sin[l, i]
///   out[2i+1] = x[2i]·sin[l, i] + x[2i+1]·cos[l, i]
///
/// x is (batch, length, heads, headDim) row-major (the query/key after `unflatten(2, (heads, -1))`);
/// cos and sin are (length, headDim/2): Wan's `freqs_cos[..., 0::2]` and `freqs_sin[..., 1::2]`
/// (each frequency is repeated twice there, so one value per pair).
public func applyRotaryEmbedding(
    _ x: UnsafeMutablePointer<Float>, batch: Int, length: Int, heads: Int, headDim: Int,
    cos: UnsafePointer<Float>, sin: UnsafePointer<Float>
) {
    precondition(headDim % 2 == 0, "rotary embedding needs an even head dimension, got \(headDim)")
    let half = headDim / 2
    Threads.parallelFor(batch * length, grain: max(1, 4_096 / (heads * headDim))) { range in
        for row in range {
            let l = row % length
            rotateHeads(x + row * heads * headDim, heads: heads, headDim: headDim, cos: cos + l * half, sin: sin + l * half)
        }
    }
}

/// Rotates the interleaved pairs of `heads` heads of `headDim` values side by side in one
/// token's row by that token's angles (`cos`, `sin`: headDim / 2 values).
@inline(__always)
func rotateHeads(
    _ row: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, cos c: UnsafePointer<Float>, sin s: UnsafePointer<Float>
) {
    for h in 0..<heads {
        let v = row + h * headDim
        for i in 0..<(headDim / 2) {
            let a = v[2 * i], b = v[2 * i + 1]
            v[2 * i] = a * c[i] - b * s[i]
            v[2 * i + 1] = a * s[i] + b * c[i]
        }
    }
}

/// One axis of rotary frequencies as `get_1d_rotary_pos_embed(dim, positions, theta,
/// use_real=True, repeat_interleave_real=True, freqs_dtype=float64)`, one value per pair:
/// angle[p, i] = p / theta^(2i/dim) for i in 0..<dim/2, computed in Double, returned as fp32
/// cos and sin tables of shape (positions, dim/2).
public func rotaryFrequencies(dim: Int, positions: Int, theta: Double = 10_000) -> (cos: [Float], sin: [Float]) {
    precondition(dim % 2 == 0, "rotary dimension must be even, got \(dim)")
    let half = dim / 2
    var cosTable = [Float](repeating: 0, count: positions * half)
    var sinTable = [Float](repeating: 0, count: positions * half)
    for i in 0..<half {
        let frequency = 1.0 / pow(theta, Double(2 * i) / Double(dim))
        for p in 0..<positions {
            let angle = Double(p) * frequency
            cosTable[p * half + i] = Float(cos(angle))
            sinTable[p * half + i] = Float(sin(angle))
        }
    }
    return (cosTable, sinTable)
}
