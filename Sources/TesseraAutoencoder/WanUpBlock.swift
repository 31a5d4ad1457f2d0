// Port of diffusers 0.42.1 `WanUpBlock` (diffusers/models/autoencoders/autoencoder_kl_wan.py),
// the Wan2.1 decoder stage (Wan2.2's `WanResidualUpBlock` is not ported).

import TesseraTensor
import TesseraWeights

/// num_res_blocks + 1 residual blocks, then an optional upsampler.
/// Keys: `resnets.{i}.*`, `upsamplers.0.*`.
struct WanUpBlock {
    let resnets: [WanResidualBlock]
    let upsampler: WanResample?

    init(_ weights: some WeightSource, inDim: Int, outDim: Int, numResBlocks: Int, upsampleMode: WanResample.Mode?) throws {
        var resnets: [WanResidualBlock] = []
        var current = inDim
        for i in 0..<(numResBlocks + 1) {
            resnets.append(try WanResidualBlock(weights.scope("resnets.\(i)"), inDim: current, outDim: outDim))
            current = outDim
        }
        self.resnets = resnets
        upsampler = try upsampleMode.map { try WanResample(weights.scope("upsamplers.0"), dim: outDim, mode: $0) }
    }

    /// x (B, in, T, H, W) → (B, out / 2, T or 2T, 2H, 2W) with an upsampler, else (B, out, T, H, W).
    func callAsFunction(_ x: Tensor, cache: WanFeatureCache?) -> Tensor {
        var x = x
        for resnet in resnets { x = resnet(x, cache: cache) }   // (B, out, T, H, W)
        if let upsampler { x = upsampler(x, cache: cache) }     // (B, out / 2, T', 2H, 2W)
        return x
    }
}
