// Port of diffusers 0.42.1 `WanResample` (diffusers/models/autoencoders/autoencoder_kl_wan.py):
// the encoder's downsampling and the decoder's upsampling, in space and optionally in time.

import TesseraTensor
import TesseraWeights

/// Halves or doubles height and width; the 3d modes also halve or double time through a causal
/// time convolution, with the first-frame rule: the first chunk passes through unchanged in time,
/// so 4k+1 frames ↔ k+1 latent frames.
///
/// Keys: `resample.1.weight`/`bias` (the per-frame `nn.Conv2d`; `resample.0` is the parameterless
/// upsample or zero pad), `time_conv.weight`/`bias` for the 3d modes.
struct WanResample {
    enum Mode: String {
        case upsample2d, upsample3d, downsample2d, downsample3d
    }

    let mode: Mode
    let dim: Int
    /// `resample.1`: Conv2d(dim, out, 3, padding=1) after 2x nearest upsampling, or
    /// Conv2d(dim, dim, 3, stride=2) after `ZeroPad2d((0, 1, 0, 1))`.
    let resample: WanCausalConv3d
    /// upsample3d: WanCausalConv3d(dim, 2·dim, (3, 1, 1), padding=(1, 0, 0));
    /// downsample3d: WanCausalConv3d(dim, dim, (3, 1, 1), stride=(2, 1, 1)).
    let timeConv: WanCausalConv3d?

    /// `upsampleOutDim` defaults to dim / 2, as in diffusers.
    init(_ weights: some WeightSource, dim: Int, mode: Mode, upsampleOutDim: Int? = nil) throws {
        self.mode = mode
        self.dim = dim
        let conv = weights.scope("resample.1")
        switch mode {
        case .upsample2d, .upsample3d:
            let out = upsampleOutDim ?? dim / 2
            let geometry = Conv3DGeometry(
                inChannels: dim, outChannels: out, kernel: (1, 3, 3),
                padTop: 1, padBottom: 1, padLeft: 1, padRight: 1)
            resample = try WanCausalConv3d(
                geometry: geometry, weight: conv.take("weight", shape: [out, dim, 3, 3]),
                bias: conv.take("bias", shape: [out]))
            timeConv = mode == .upsample3d
                ? try WanCausalConv3d(
                    weights.scope("time_conv"), inChannels: dim, outChannels: 2 * dim, kernel: (3, 1, 1),
                    padding: (1, 0, 0))
                : nil
        case .downsample2d, .downsample3d:
            let geometry = Conv3DGeometry(
                inChannels: dim, outChannels: dim, kernel: (1, 3, 3), stride: (1, 2, 2),
                padBottom: 1, padRight: 1)
            resample = try WanCausalConv3d(
                geometry: geometry, weight: conv.take("weight", shape: [dim, dim, 3, 3]),
                bias: conv.take("bias", shape: [dim]))
            timeConv = mode == .downsample3d
                ? try WanCausalConv3d(
                    weights.scope("time_conv"), inChannels: dim, outChannels: dim, kernel: (3, 1, 1),
                    stride: (2, 1, 1))
                : nil
        }
    }

    /// x (B, dim, T, H, W) → upsample: (B, out, T or 2T, 2H, 2W); downsample: (B, dim, T or ⌈T/2⌉, H/2, W/2).
    /// The 3d modes use one cache slot (without a cache they resample space only, as diffusers).
    func callAsFunction(_ x: Tensor, cache: WanFeatureCache?) -> Tensor {
        var x = x
        if mode == .upsample3d, let cache, let timeConv {
            if let previous = cache.current {
                // Later chunks: the time convolution makes two frames of every frame.
                var next = x.lastFrames(WanFeatureCache.frames)           // (B, dim, ≤2, H, W)
                if next.shape[2] < WanFeatureCache.frames {
                    switch previous {
                    case .frames(let old): next = Tensor.concatFrames(old.lastFrames(1), next)
                    case .rep: next = Tensor.concatFrames(Tensor(zeros: next.shape), next)
                    }
                }
                switch previous {
                case .rep: x = timeConv(x, cache: nil as Tensor?)          // (B, 2·dim, T, H, W)
                case .frames(let old): x = timeConv(x, cache: old)         // (B, 2·dim, T, H, W)
                }
                cache.advance(storing: .frames(next))
                x = Self.interleaveTime(x)                                 // (B, dim, 2T, H, W)
            } else {
                // First chunk: "Rep", no time convolution (the first frame stays one frame).
                cache.advance(storing: .rep)
            }
        }

        switch mode {
        case .upsample2d, .upsample3d:
            x = Self.upsample2x(x)                                         // (B, dim, T, 2H, 2W)
            x = resample(x)                                                // (B, out, T, 2H, 2W)
        case .downsample2d, .downsample3d:
            x = resample(x)                                                // (B, dim, T, H/2, W/2)
        }

        if mode == .downsample3d, let cache, let timeConv {
            if case .frames(let old)? = cache.current {
                let next = x.lastFrames(1)
                x = timeConv(Tensor.concatFrames(old.lastFrames(1), x))    // (B, dim, ⌈T/2⌉, H/2, W/2)
                cache.advance(storing: .frames(next))
            } else {
                // First chunk: kept whole for the next chunk, no time convolution.
                cache.advance(storing: .frames(x))
            }
        }
        return x
    }

    // MARK: - Layout

    /// (B, 2C, T, H, W) → (B, C, 2T, H, W): `x.reshape(b, 2, c, t, h, w)`, stacked on dim 3:
    /// frame 2τ + s of channel c is channel s·C + c of frame τ.
    static func interleaveTime(_ x: Tensor) -> Tensor {
        let (b, c2, t, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4])
        let c = c2 / 2, plane = h * w
        var out = Tensor.uninitialized([b, c, 2 * t, h, w])
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for bi in 0..<b {
                    for s in 0..<2 {
                        for ci in 0..<c {
                            for tau in 0..<t {
                                let from = src.baseAddress! + (((bi * c2 + s * c + ci) * t) + tau) * plane
                                let to = dst.baseAddress! + (((bi * c + ci) * 2 * t) + 2 * tau + s) * plane
                                to.update(from: from, count: plane)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// (B, C, T, H, W) → (B, C, T, 2H, 2W), nearest (`WanUpsample(scale_factor=2, "nearest-exact")`).
    static func upsample2x(_ x: Tensor) -> Tensor {
        let (h, w) = (x.shape[3], x.shape[4])
        var out = Tensor.uninitialized([x.shape[0], x.shape[1], x.shape[2], 2 * h, 2 * w])
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                upsampleNearest2x(
                    src.baseAddress!, planes: x.count / (h * w), height: h, width: w, into: dst.baseAddress!)
            }
        }
        return out
    }
}
