// Port of diffusers 0.42.1 `WanMidBlock` (diffusers/models/autoencoders/autoencoder_kl_wan.py).

import TesseraTensor
import TesseraWeights

/// resnets.0 → attentions.0 → resnets.1 at the narrowest resolution (`num_layers=1`, as the
/// encoder and decoder build it). Keys: `resnets.{0,1}.*`, `attentions.0.*`.
struct WanMidBlock {
    let resnets: [WanResidualBlock]
    let attentions: [WanAttentionBlock]

    init(_ weights: some WeightSource, dim: Int) throws {
        resnets = try (0..<2).map { try WanResidualBlock(weights.scope("resnets.\($0)"), inDim: dim, outDim: dim) }
        attentions = [try WanAttentionBlock(weights.scope("attentions.0"), dim: dim)]
    }

    /// x (B, C, T, H, W) → (B, C, T, H, W); four cache slots (two per residual block).
    func callAsFunction(_ x: Tensor, cache: WanFeatureCache?) -> Tensor {
        var x = resnets[0](x, cache: cache)            // (B, C, T, H, W)
        for (attention, resnet) in zip(attentions, resnets.dropFirst()) {
            x = attention(x)                           // (B, C, T, H, W), per frame
            x = resnet(x, cache: cache)                // (B, C, T, H, W)
        }
        return x
    }
}
