// Port of diffusers 0.42.1 `PixArtAlphaTextProjection` (`diffusers/models/embeddings.py`) with
// `act_fn="gelu_tanh"`: Wan's `condition_embedder.text_embedder`.

import TesseraTensor

/// Projects prompt-encoder token states to the model width: linear_1 → GELU(tanh) → linear_2.
struct PixArtAlphaTextProjection: Sendable {
    /// (dim, text_dim)
    let linear_1: LinearProjection
    /// (dim, dim)
    let linear_2: LinearProjection

    /// (B, Ltext, text_dim) → (B, Ltext, dim)
    func callAsFunction(_ caption: Tensor) -> Tensor {
        let h = gelu(linear_1(caption), approximation: .tanh)  // (B, Ltext, dim)
        return linear_2(h)  // (B, Ltext, dim)
    }
}
