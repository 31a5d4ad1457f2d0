// Port of diffusers 0.42.1 `WanResidualBlock` (diffusers/models/autoencoders/autoencoder_kl_wan.py).

import TesseraTensor
import TesseraWeights

/// norm1 → SiLU → conv1 (3³, causal) → norm2 → SiLU → (dropout: identity) → conv2, plus a
/// shortcut (1³ convolution when the width changes). Keys: `norm1.gamma`, `conv1.*`,
/// `norm2.gamma`, `conv2.*`, `conv_shortcut.*`.
struct WanResidualBlock {
    let norm1: WanRMSNorm
    let conv1: WanCausalConv3d
    let norm2: WanRMSNorm
    let conv2: WanCausalConv3d
    let convShortcut: WanCausalConv3d?

    init(_ weights: some WeightSource, inDim: Int, outDim: Int) throws {
        norm1 = try WanRMSNorm(weights.scope("norm1"), channels: inDim, images: false)
        conv1 = try WanCausalConv3d(
            weights.scope("conv1"), inChannels: inDim, outChannels: outDim, kernel: (3, 3, 3), padding: (1, 1, 1))
        norm2 = try WanRMSNorm(weights.scope("norm2"), channels: outDim, images: false)
        conv2 = try WanCausalConv3d(
            weights.scope("conv2"), inChannels: outDim, outChannels: outDim, kernel: (3, 3, 3), padding: (1, 1, 1))
        convShortcut = inDim == outDim ? nil
            : try WanCausalConv3d(weights.scope("conv_shortcut"), inChannels: inDim, outChannels: outDim, kernel: (1, 1, 1))
    }

    /// x (B, in, T, H, W) → (B, out, T, H, W); two cache slots (conv1, conv2).
    func callAsFunction(_ x: Tensor, cache: WanFeatureCache?) -> Tensor {
        let h = convShortcut.map { $0(x) } ?? x           // (B, out, T, H, W)
        var y = norm1(x, silu: true)                      // (B, in, T, H, W)
        y = conv1(y, cache: cache)                        // (B, out, T, H, W)
        y = norm2(y, silu: true)                          // (B, out, T, H, W)
        y = conv2(y, cache: cache)                        // (B, out, T, H, W)
        y.add(h)                                          // (B, out, T, H, W)
        return y
    }
}
