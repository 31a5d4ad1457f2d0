// The prompt side of the transformer, computed once per clip.

import TesseraTensor

/// The prompt's token states projected by `condition_embedder.text_embedder`, and every block's
/// cross-attention keys (RMS-normalised by `attn2.norm_k`) and values.
///
/// These depend on the prompt only, not on the latents or the timestep, so a sampler computes
/// them once per clip with `WanTransformer.prepareText` and passes them to every `forward`.
public struct WanTextConditioning: Sendable {
    /// Samples (B): cond and uncond stacked for classifier-free guidance.
    public let batch: Int
    /// Text tokens per sample (Ltext), padding included.
    public let tokens: Int
    /// `text_embedder` output (B, Ltext, dim).
    public let textStates: Tensor
    /// Per block: (B, Ltext, 2·dim), keys in columns 0..<dim, values in dim..<2·dim.
    let keyValues: [Tensor]
}
