// Errors of the Wan transformer's inputs.

/// An input the transformer cannot take, with what was expected.
public enum WanTransformerError: Error, CustomStringConvertible, Equatable {
    /// The latents are not (B, C, F, H, W) with the configured channels and patch-divisible sizes.
    case latentShape(found: [Int], expected: String)
    /// The number of timesteps is not the batch size.
    case timestepCount(found: Int, batch: Int)
    /// The prompt states are not (B, Ltext, text_dim).
    case textShape(found: [Int], expected: String)
    /// The prompt conditioning was prepared for another batch size.
    case textBatch(found: Int, batch: Int)
    /// A post-patch grid axis exceeds the RoPE table (`rope_max_seq_len`).
    case tooManyPositions(axis: String, found: Int, limit: Int)

    public var description: String {
        switch self {
        case let .latentShape(found, expected):
            return "transformer latents have shape \(found); expected \(expected)"
        case let .timestepCount(found, batch):
            return "transformer got \(found) timesteps for a batch of \(batch); pass one timestep per sample"
        case let .textShape(found, expected):
            return "transformer prompt states have shape \(found); expected \(expected)"
        case let .textBatch(found, batch):
            return "prompt conditioning was prepared for \(found) samples but the latents hold \(batch); "
                + "prepare the text with the same batch (cond and uncond stacked)"
        case let .tooManyPositions(axis, found, limit):
            return "latent \(axis) of \(found) patches exceeds the model's rope_max_seq_len \(limit); use a smaller size"
        }
    }
}
