// Port of the `patch_embedding` Conv3d and the final unpatchify of diffusers 0.42.1
// `WanTransformer3DModel.forward` (`diffusers/models/transformers/transformer_wan.py`).

import TesseraTensor

/// Conv3d with kernel = stride = patch size (p_t, p_h, p_w), computed as what it is: cut the
/// latents into non-overlapping patches, then one GEMM with the (dim, C·p_t·p_h·p_w) weight.
struct WanPatchEmbedding: Sendable {
    let patchSize: [Int]
    /// (dim, C, p_t, p_h, p_w) as stored; read as (dim, C·p_t·p_h·p_w).
    let weight: Tensor
    /// (dim)
    let bias: Tensor

    var dim: Int { weight.shape[0] }
    var inChannels: Int { weight.shape[1] }

    /// latents (B, C, F, H, W) → tokens (B·L, dim) written to `out`, L = F/p_t · H/p_h · W/p_w,
    /// tokens ordered (frame, row, column) as `flatten(2).transpose(1, 2)` orders them.
    func apply(_ latents: Tensor, into out: UnsafeMutablePointer<Float>) {
        let (b, c, f, h, w) = (latents.shape[0], latents.shape[1], latents.shape[2], latents.shape[3], latents.shape[4])
        let (pt, ph, pw) = (patchSize[0], patchSize[1], patchSize[2])
        let (gf, gh, gw) = (f / pt, h / ph, w / pw)
        let tokens = gf * gh * gw
        let patch = c * pt * ph * pw
        // (B·L, C·p_t·p_h·p_w), column ((c·p_t + kt)·p_h + kh)·p_w + kw as the weight's layout
        var patches = [Float](repeating: 0, count: b * tokens * patch)
        latents.withUnsafeBufferPointer { src in
            for n in 0..<b {
                for tf in 0..<gf {
                    for th in 0..<gh {
                        for tw in 0..<gw {
                            let row = ((n * gf + tf) * gh + th) * gw + tw
                            var col = row * patch
                            for ch in 0..<c {
                                for kt in 0..<pt {
                                    for kh in 0..<ph {
                                        let base = (((n * c + ch) * f + tf * pt + kt) * h + th * ph + kh) * w + tw * pw
                                        for kw in 0..<pw {
                                            patches[col] = src[base + kw]
                                            col += 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        weight.withUnsafeBufferPointer { wt in
            bias.withUnsafeBufferPointer { bs in
                patches.withUnsafeBufferPointer { p in
                    // (B·L, dim) = patches · Wᵀ + b
                    linear(p.baseAddress!, rows: b * tokens, inFeatures: patch, weight: wt.baseAddress!,
                           bias: bs.baseAddress!, outFeatures: dim, into: out)
                }
            }
        }
    }
}

/// The inverse of patchifying: `proj_out` tokens (B·L, p_t·p_h·p_w·C) → (B, C, F, H, W), as
/// diffusers' reshape (B, F', H', W', p_t, p_h, p_w, C) + permute(0, 7, 1, 4, 2, 5, 3, 6).
func unpatchify(
    _ tokens: UnsafePointer<Float>, batch: Int, channels: Int, grid: (f: Int, h: Int, w: Int), patchSize: [Int]
) -> Tensor {
    let (pt, ph, pw) = (patchSize[0], patchSize[1], patchSize[2])
    let (f, h, w) = (grid.f * pt, grid.h * ph, grid.w * pw)
    var out = Tensor(zeros: [batch, channels, f, h, w])
    out.withUnsafeMutableBufferPointer { dst in
        var src = tokens
        for n in 0..<batch {
            for tf in 0..<grid.f {
                for th in 0..<grid.h {
                    for tw in 0..<grid.w {
                        for kt in 0..<pt {
                            for kh in 0..<ph {
                                for kw in 0..<pw {
                                    let spatial = ((tf * pt + kt) * h + th * ph + kh) * w + tw * pw + kw
                                    for ch in 0..<channels {
                                        dst[(n * channels + ch) * f * h * w + spatial] = src[ch]
                                    }
                                    src += channels
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return out
}
