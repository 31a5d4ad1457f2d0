// Port of diffusers 0.42.1 `AutoencoderKLWan` (diffusers/models/autoencoders/autoencoder_kl_wan.py):
// `_encode` (first frame alone, then chunks of 4 frames), `_decode` (one latent frame at a time),
// both through the causal feature cache, plus `DiagonalGaussianDistribution`'s mean/log-variance
// split (diffusers/models/autoencoders/vae.py). Tiling and slicing are not ported: memory is
// already bounded by the chunking in time.

import Foundation
import TesseraTensor
import TesseraWeights

/// The Wan2.1 causal video autoencoder: 8x in space, 4x in time with the first-frame rule
/// (4k+1 frames ↔ k+1 latent frames), z_dim latent channels.
///
/// ```swift
/// let vae = try WanVAE(directory: modelFolder.appendingPathComponent("vae"))
/// let video = try vae.decode(latents)   // normalised (B, z, T', H/8, W/8) → (B, 3, 4T'-3, H, W) in [-1, 1]
/// ```
public final class WanVAE: Sendable {
    public let config: WanVAEConfig
    /// `latents_mean`/`latents_std`: the one place latents are (de)normalised.
    public let latentNormalization: WanLatentNormalization

    let encoder: WanEncoder3d
    let quantConv: WanCausalConv3d
    let postQuantConv: WanCausalConv3d
    let decoder: WanDecoder3d

    // MARK: - Loading

    /// Builds the VAE from `weights` (keys as diffusers saves them: `encoder.*`, `quant_conv.*`,
    /// `post_quant_conv.*`, `decoder.*`), then calls `finish()`: any missing, unexpected or
    /// wrong-shape tensor is a `WeightStoreError` listing them.
    public convenience init(config: WanVAEConfig, weights: WeightStore) throws {
        try self.init(config: config, source: weights)
        try weights.finish()
    }

    /// Loads `config.json` and the weights (`diffusion_pytorch_model.safetensors` or another of
    /// `WeightStore.folderCandidates`) from a diffusers `vae/` folder.
    public convenience init(directory: URL) throws {
        let config = try WanVAEConfig.load(from: directory.appendingPathComponent("config.json"))
        try self.init(config: config, weights: WeightStore(url: directory))
    }

    /// Builds from any weight source (a scope of a larger store) without finishing it.
    public init(config: WanVAEConfig, source weights: some WeightSource) throws {
        try config.validate()
        self.config = config
        latentNormalization = WanLatentNormalization(config: config)
        let z = config.zDim
        encoder = try WanEncoder3d(weights.scope("encoder"), config: config)
        quantConv = try WanCausalConv3d(weights.scope("quant_conv"), inChannels: 2 * z, outChannels: 2 * z, kernel: (1, 1, 1))
        postQuantConv = try WanCausalConv3d(weights.scope("post_quant_conv"), inChannels: z, outChannels: z, kernel: (1, 1, 1))
        decoder = try WanDecoder3d(weights.scope("decoder"), config: config)
    }

    // MARK: - Decoding

    /// Decodes normalised latents (the transformer's space): denormalises them with
    /// `latentNormalization` exactly as `WanPipeline` does, then `decodeRaw`.
    ///
    /// latents (B, z_dim, T', h, w) → video (B, out_channels, 4(T'−1)+1, 8h, 8w) in [-1, 1].
    /// `progress(done, total)` is called after each latent frame.
    public func decode(_ latents: Tensor, progress: ((Int, Int) -> Void)? = nil) throws -> Tensor {
        try checkLatents(latents)
        return try decodeRaw(latentNormalization.denormalize(latents), progress: progress)
    }

    /// `AutoencoderKLWan.decode`: raw VAE latents (B, z_dim, T', h, w) → (B, out, 4(T'−1)+1, 8h, 8w),
    /// clamped to [-1, 1]. One latent frame at a time through the feature cache, written straight
    /// into the output, so memory does not grow with the clip's length.
    public func decodeRaw(_ z: Tensor, progress: ((Int, Int) -> Void)? = nil) throws -> Tensor {
        try checkLatents(z)
        let (b, latentFrames) = (z.shape[0], z.shape[2])
        let x = postQuantConv(z)                                   // (B, z, T', h, w)
        let cache = WanFeatureCache()
        var out: Tensor? = nil
        var written = 0
        for i in 0..<latentFrames {
            cache.beginChunk()
            let chunk = decoder(x.sliceFrames(i..<(i + 1)), cache: cache)   // (B, out, 1 or 4, H, W)
            if out == nil {
                let frames = chunk.shape[2] + (latentFrames - 1) * config.temporalCompression
                out = Tensor(zeros: [b, chunk.shape[1], frames, chunk.shape[3], chunk.shape[4]])
            }
            Self.write(chunk, into: &out!, atFrame: written, clampTo: 1)
            written += chunk.shape[2]
            progress?(i + 1, latentFrames)
        }
        precondition(written == out!.shape[2], "decoded \(written) frames, expected \(out!.shape[2])")
        return out!
    }

    // MARK: - Encoding

    /// Encodes a video and returns the posterior in the normalised (transformer) space:
    /// mean = (μ − latents_mean) / latents_std and logVar = log σ² − 2 log latents_std, so that
    /// `mean` is what `WanImageToVideoPipeline` computes from `latent_dist.mode()`.
    ///
    /// video (B, in_channels, T, H, W) in [-1, 1] → (B, z_dim, 1 + (T−1)/4, H/8, W/8) each.
    public func encode(_ video: Tensor) throws -> (mean: Tensor, logVar: Tensor) {
        let raw = try encodeRaw(video)
        var logVar = raw.logVar
        let z = config.zDim
        let (batch, inner) = (logVar.shape[0], logVar.count / (logVar.shape[0] * z))
        logVar.withUnsafeMutableBufferPointer { lv in
            for bi in 0..<batch {
                for c in 0..<z {
                    let shift = 2 * Foundation.log(latentNormalization.std[c])
                    let base = (bi * z + c) * inner
                    for i in base..<(base + inner) { lv[i] -= shift }
                }
            }
        }
        return (latentNormalization.normalize(raw.mean), logVar)
    }

    /// `AutoencoderKLWan.encode(video).latent_dist`: the raw posterior's mean and log-variance
    /// (clamped to [-30, 20] as `DiagonalGaussianDistribution` does).
    ///
    /// video (B, in_channels, T, H, W) → (B, z_dim, 1 + (T−1)/4, ⌈H/8⌉, ⌈W/8⌉). As in diffusers,
    /// the first frame is encoded alone and then chunks of 4; frames beyond the last full
    /// chunk form a shorter final chunk.
    public func encodeRaw(_ video: Tensor) throws -> (mean: Tensor, logVar: Tensor) {
        guard video.rank == 5, video.shape[1] == config.inChannels, video.shape[2] >= 1,
              video.shape[3] >= 1, video.shape[4] >= 1, video.shape[0] >= 1 else {
            throw WanVAEError.badInput(
                what: "video", expected: "(B, \(config.inChannels), T ≥ 1, H, W)", found: video.shape)
        }
        let frames = video.shape[2]
        let cache = WanFeatureCache()
        var encoded: Tensor? = nil
        let chunks = 1 + (frames - 1) / config.temporalCompression
        for i in 0..<chunks {
            cache.beginChunk()
            let range = i == 0 ? 0..<1
                : (1 + config.temporalCompression * (i - 1))..<(1 + config.temporalCompression * i)
            let chunk = encoder(video.sliceFrames(range), cache: cache)     // (B, 2z, T'_i, h, w)
            encoded = encoded.map { Tensor.concatFrames($0, chunk) } ?? chunk
        }
        let moments = quantConv(encoded!)                                  // (B, 2z, T', h, w)
        // DiagonalGaussianDistribution: mean, logvar = chunk(2, dim=1); logvar.clamp(-30, 20).
        let z = config.zDim
        let (b, t, h, w) = (moments.shape[0], moments.shape[2], moments.shape[3], moments.shape[4])
        let half = z * t * h * w
        var mean = Tensor.uninitialized([b, z, t, h, w])
        var logVar = Tensor.uninitialized([b, z, t, h, w])
        moments.withUnsafeBufferPointer { m in
            mean.withUnsafeMutableBufferPointer { mu in
                logVar.withUnsafeMutableBufferPointer { lv in
                    for bi in 0..<b {
                        let src = m.baseAddress! + bi * 2 * half
                        (mu.baseAddress! + bi * half).update(from: src, count: half)
                        for i in 0..<half { lv[bi * half + i] = min(max(src[half + i], -30), 20) }
                    }
                }
            }
        }
        return (mean, logVar)
    }

    // MARK: - Helpers

    private func checkLatents(_ z: Tensor) throws {
        guard z.rank == 5, z.shape[1] == config.zDim, z.shape[0] >= 1, z.shape[2] >= 1,
              z.shape[3] >= 1, z.shape[4] >= 1 else {
            throw WanVAEError.badInput(what: "latents", expected: "(B, \(config.zDim), T' ≥ 1, h, w)", found: z.shape)
        }
    }

    /// Copies chunk (B, C, Tc, H, W) into out (B, C, T, H, W) at frame `start`, clamped to ±limit.
    private static func write(_ chunk: Tensor, into out: inout Tensor, atFrame start: Int, clampTo limit: Float) {
        let (b, c, tc) = (chunk.shape[0], chunk.shape[1], chunk.shape[2])
        let t = out.shape[2], plane = chunk.shape[3] * chunk.shape[4]
        chunk.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for bc in 0..<(b * c) {
                    let from = src.baseAddress! + bc * tc * plane
                    let to = dst.baseAddress! + (bc * t + start) * plane
                    for i in 0..<(tc * plane) { to[i] = min(max(from[i], -limit), limit) }
                }
            }
        }
    }
}
