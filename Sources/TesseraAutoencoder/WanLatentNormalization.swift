// The latent normalisation of diffusers 0.42.1 `WanPipeline` (diffusers/pipelines/wan/pipeline_wan.py,
// lines 664-673, before `vae.decode`) and `WanImageToVideoPipeline.prepare_latents`
// (pipeline_wan_i2v.py, lines 443-462, after `vae.encode(...).latent_dist.mode()`).

import TesseraTensor

/// Maps between the VAE's latents and the normalised space the transformer works in, with the
/// per-channel `latents_mean` and `latents_std` of `vae/config.json`.
///
/// diffusers applies it in the pipelines, not in `AutoencoderKLWan`: the transformer's output
/// is denormalised as `latents / (1 / latents_std) + latents_mean` before `vae.decode`, and
/// encoded latents are normalised as `(z - latents_mean) * (1 / latents_std)`. This type is the
/// one place Tessera does either; `WanVAE.decode`/`encode` call it, `decodeRaw`/`encodeRaw`
/// do not.
public struct WanLatentNormalization: Sendable, Equatable {
    /// `latents_mean`, one value per latent channel.
    public let mean: [Float]
    /// `latents_std`, one value per latent channel.
    public let std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count, "latents_mean and latents_std differ in length")
        self.mean = mean
        self.std = std
    }

    public init(config: WanVAEConfig) {
        self.init(mean: config.latentsMean, std: config.latentsStd)
    }

    /// VAE latents → transformer space: (z − mean) · (1 / std), per channel of z (B, C, T, H, W).
    public func normalize(_ z: Tensor) -> Tensor {
        map(z) { x, m, s in (x - m) * (1 / s) }
    }

    /// Transformer space → VAE latents: z / (1 / std) + mean, per channel of z (B, C, T, H, W).
    public func denormalize(_ z: Tensor) -> Tensor {
        map(z) { x, m, s in x / (1 / s) + m }
    }

    private func map(_ z: Tensor, _ f: (Float, Float, Float) -> Float) -> Tensor {
        precondition(z.rank >= 2 && z.shape[1] == mean.count,
                     "latent normalisation: \(z.shape) has not \(mean.count) channels in dimension 1")
        var out = z
        let channels = mean.count
        let inner = z.count / max(1, z.shape[0] * channels)
        out.withUnsafeMutableBufferPointer { o in
            for b in 0..<z.shape[0] {
                for c in 0..<channels {
                    let (m, s) = (mean[c], std[c])
                    let base = (b * channels + c) * inner
                    for i in base..<(base + inner) { o[i] = f(o[i], m, s) }
                }
            }
        }
        return out
    }
}
