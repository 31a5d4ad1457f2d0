// Port of diffusers 0.42.1 `WanEncoder3d` (diffusers/models/autoencoders/autoencoder_kl_wan.py),
// Wan2.1 layout (`is_residual=False`, no attention in the down blocks).

import TesseraTensor
import TesseraWeights

/// conv_in → down_blocks (residual blocks, then a resample between stages) → mid_block →
/// norm_out → SiLU → conv_out, producing 2·z_dim channels (mean and log-variance).
/// Keys: `conv_in.*`, `down_blocks.{i}.*` (one flat list), `mid_block.*`, `norm_out.gamma`, `conv_out.*`.
struct WanEncoder3d {
    enum Layer {
        case residual(WanResidualBlock)
        case resample(WanResample)
    }

    let convIn: WanCausalConv3d
    let downBlocks: [Layer]
    let midBlock: WanMidBlock
    let normOut: WanRMSNorm
    let convOut: WanCausalConv3d

    init(_ weights: some WeightSource, config: WanVAEConfig) throws {
        let dim = config.baseDim
        let dims = ([1] + config.dimMult).map { dim * $0 }
        convIn = try WanCausalConv3d(
            weights.scope("conv_in"), inChannels: config.inChannels, outChannels: dims[0],
            kernel: (3, 3, 3), padding: (1, 1, 1))
        var layers: [Layer] = []
        for i in 0..<config.dimMult.count {
            var inDim = dims[i]
            let outDim = dims[i + 1]
            for _ in 0..<config.numResBlocks {
                layers.append(.residual(try WanResidualBlock(
                    weights.scope("down_blocks.\(layers.count)"), inDim: inDim, outDim: outDim)))
                inDim = outDim
            }
            if i != config.dimMult.count - 1 {
                let mode: WanResample.Mode = config.temperalDownsample[i] ? .downsample3d : .downsample2d
                layers.append(.resample(try WanResample(
                    weights.scope("down_blocks.\(layers.count)"), dim: outDim, mode: mode)))
            }
        }
        downBlocks = layers
        let top = dims.last!
        midBlock = try WanMidBlock(weights.scope("mid_block"), dim: top)
        normOut = try WanRMSNorm(weights.scope("norm_out"), channels: top, images: false)
        convOut = try WanCausalConv3d(
            weights.scope("conv_out"), inChannels: top, outChannels: 2 * config.zDim,
            kernel: (3, 3, 3), padding: (1, 1, 1))
    }

    /// One chunk: x (B, in, T, H, W) → (B, 2z, T', H/8, W/8) where T' is 1 for the first
    /// chunk (one frame) and T/4 for later chunks of T frames.
    func callAsFunction(_ x: Tensor, cache: WanFeatureCache?) -> Tensor {
        var x = convIn(x, cache: cache)                       // (B, dim, T, H, W)
        for layer in downBlocks {
            switch layer {
            case .residual(let block): x = block(x, cache: cache)
            case .resample(let resample): x = resample(x, cache: cache)
            }
        }                                                     // (B, top, T', H/8, W/8)
        x = midBlock(x, cache: cache)                         // (B, top, T', H/8, W/8)
        x = normOut(x, silu: true)                            // (B, top, T', H/8, W/8)
        return convOut(x, cache: cache)                       // (B, 2z, T', H/8, W/8)
    }
}
