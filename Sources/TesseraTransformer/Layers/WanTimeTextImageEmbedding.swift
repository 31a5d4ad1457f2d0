// Port of diffusers 0.42.1 `WanTimeTextImageEmbedding`
// (`diffusers/models/transformers/transformer_wan.py`), text-to-video part (no image embedder).

import TesseraTensor

/// `condition_embedder`: the timestep embedding and its 6-way modulation projection, and the
/// projection of the prompt's token states to the model width.
struct WanTimeTextImageEmbedding: Sendable {
    /// Width of the sinusoidal timestep embedding (`timesteps_proj`, no weights).
    let freqDim: Int
    let time_embedder: TimestepEmbedding
    /// (6·dim, dim): shift/scale/gate for self-attention and feed-forward of every block.
    let time_proj: LinearProjection
    let text_embedder: PixArtAlphaTextProjection

    /// Timesteps (B) → `temb` (B, dim) and `timestep_proj` (B, 6·dim).
    func embedTime(_ timesteps: [Float]) -> (temb: Tensor, timestepProj: Tensor) {
        let sinusoids = timestepSinusoidalEmbedding(timesteps, dim: freqDim)  // (B, freq_dim)
        let temb = time_embedder(sinusoids)  // (B, dim)
        let timestepProj = time_proj(silu(temb))  // (B, 6·dim)
        return (temb, timestepProj)
    }

    /// (B, Ltext, text_dim) → (B, Ltext, dim)
    func embedText(_ encoderHiddenStates: Tensor) -> Tensor {
        text_embedder(encoderHiddenStates)
    }
}
