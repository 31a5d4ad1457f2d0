// Port of diffusers 0.42.1 `WanDecoder3d` (diffusers/models/autoencoders/autoencoder_kl_wan.py),
// Wan2.1 layout (`is_residual=False`).

import TesseraTensor
import TesseraWeights

/// conv_in → mid_block → up_blocks (each halving its input width after the first, as Wan2.1's
/// upsamplers output dim / 2) → norm_out → SiLU → conv_out.
/// Keys: `conv_in.*`, `mid_block.*`, `up_blocks.{i}.*`, `norm_out.gamma`, `conv_out.*`.
struct WanDecoder3d {
    let convIn: WanCausalConv3d
    let midBlock: WanMidBlock
    let upBlocks: [WanUpBlock]
    let normOut: WanRMSNorm
    let convOut: WanCausalConv3d

    init(_ weights: some WeightSource, config: WanVAEConfig) throws {
        let dim = config.decoderDim
        let mult = config.dimMult
        let dims = ([mult.last!] + mult.reversed()).map { dim * $0 }
        let temperalUpsample = config.temperalUpsample
        convIn = try WanCausalConv3d(
            weights.scope("conv_in"), inChannels: config.zDim, outChannels: dims[0],
            kernel: (3, 3, 3), padding: (1, 1, 1))
        midBlock = try WanMidBlock(weights.scope("mid_block"), dim: dims[0])
        var blocks: [WanUpBlock] = []
        for i in 0..<mult.count {
            // Wan2.1: every stage after the first receives the previous upsampler's dim / 2.
            let inDim = i > 0 ? dims[i] / 2 : dims[i]
            let outDim = dims[i + 1]
            let upFlag = i != mult.count - 1
            let mode: WanResample.Mode? = upFlag ? (temperalUpsample[i] ? .upsample3d : .upsample2d) : nil
            blocks.append(try WanUpBlock(
                weights.scope("up_blocks.\(i)"), inDim: inDim, outDim: outDim,
                numResBlocks: config.numResBlocks, upsampleMode: mode))
        }
        upBlocks = blocks
        let last = dims.last!
        normOut = try WanRMSNorm(weights.scope("norm_out"), channels: last, images: false)
        convOut = try WanCausalConv3d(
            weights.scope("conv_out"), inChannels: last, outChannels: config.outChannels,
            kernel: (3, 3, 3), padding: (1, 1, 1))
    }

    /// One latent frame: z (B, z_dim, 1, h, w) → (B, out, 1, 8h, 8w) on the first chunk,
    /// (B, out, 4, 8h, 8w) on later ones.
    func callAsFunction(_ z: Tensor, cache: WanFeatureCache?) -> Tensor {
        var x = convIn(z, cache: cache)                       // (B, top, 1, h, w)
        x = midBlock(x, cache: cache)                         // (B, top, 1, h, w)
        for block in upBlocks { x = block(x, cache: cache) }  // (B, dim, T, 8h, 8w)
        x = normOut(x, silu: true)                            // (B, dim, T, 8h, 8w)
        return convOut(x, cache: cache)                       // (B, out, T, 8h, 8w)
    }
}
