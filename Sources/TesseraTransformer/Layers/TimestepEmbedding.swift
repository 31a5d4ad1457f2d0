// Port of diffusers 0.42.1 `TimestepEmbedding` and `get_timestep_embedding`
// (`diffusers/models/embeddings.py`), as Wan configures them: `Timesteps(freq_dim,
// flip_sin_to_cos=True, downscale_freq_shift=0)` then linear_1 → SiLU → linear_2.

import Foundation
import TesseraTensor

// MARK: - Sinusoidal embedding

/// `get_timestep_embedding(t, dim, flip_sin_to_cos=True, downscale_freq_shift=0)`:
/// for k < dim/2, freq_k = exp(−ln(10000)·k / (dim/2)); row b = [cos(t_b·freq), sin(t_b·freq)]
/// (cosines first), zero-padded when `dim` is odd. Computed in fp32 like the reference.
///
/// - Returns: (B, dim)
public func timestepSinusoidalEmbedding(_ timesteps: [Float], dim: Int) -> Tensor {
    let half = dim / 2
    var out = Tensor(zeros: [timesteps.count, dim])
    // exponent = −ln(max_period) · arange(half) / (half − shift), in fp32 as torch does.
    let logPeriod = Float(-log(10000.0))
    let freqs = (0..<half).map { k -> Float in
        let exponent = logPeriod * Float(k) / Float(half)
        return Float(Foundation.exp(Double(exponent)))
    }
    for (b, t) in timesteps.enumerated() {
        for k in 0..<half {
            let angle = Double(t * freqs[k])
            out.data[b * dim + k] = Float(Foundation.cos(angle))
            out.data[b * dim + half + k] = Float(Foundation.sin(angle))
        }
    }
    return out
}

// MARK: - MLP

/// `time_embedder`: linear_1 (dim ← freq_dim) → SiLU → linear_2 (dim ← dim).
struct TimestepEmbedding: Sendable {
    let linear_1: LinearProjection
    let linear_2: LinearProjection

    /// (B, freq_dim) → (B, dim)
    func callAsFunction(_ sinusoids: Tensor) -> Tensor {
        var h = linear_1(sinusoids)  // (B, dim)
        h = silu(h)
        return linear_2(h)  // (B, dim)
    }
}
