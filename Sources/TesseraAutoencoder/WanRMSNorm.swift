// Port of diffusers 0.42.1 `WanRMS_norm` (diffusers/models/autoencoders/autoencoder_kl_wan.py),
// channel-first, without bias (as every Wan VAE norm is built).

import TesseraTensor
import TesseraWeights

/// RMS normalisation over channels: `F.normalize(x, dim=1) * sqrt(C) * gamma`.
/// Checkpoint key: `gamma`, (C, 1, 1, 1) for video (`images=False`) or (C, 1, 1) for the
/// attention's per-frame images (`images=True`).
struct WanRMSNorm {
    let channels: Int
    let gamma: [Float]

    init(_ weights: some WeightSource, channels: Int, images: Bool) throws {
        self.channels = channels
        gamma = try weights.take("gamma", shape: images ? [channels, 1, 1] : [channels, 1, 1, 1]).data
    }

    /// x (B, C, T, H, W) → (B, C, T, H, W), normalised, then SiLU when `silu`
    /// (the `norm` + `nonlinearity` pairs of the residual blocks and output heads).
    func callAsFunction(_ x: Tensor, silu: Bool) -> Tensor {
        precondition(x.shape[1] == channels, "WanRMS_norm(\(channels)) on \(x.shape)")
        var out = Tensor.uninitialized(x.shape)
        let spatial = x.count / (x.shape[0] * channels)
        x.withUnsafeBufferPointer { xs in
            gamma.withUnsafeBufferPointer { g in
                out.withUnsafeMutableBufferPointer { o in
                    channelRMSNorm(
                        xs.baseAddress!, batch: x.shape[0], channels: channels, spatial: spatial,
                        gamma: g.baseAddress!, silu: silu, into: o.baseAddress!)
                }
            }
        }
        return out
    }
}
