// Port of diffusers 0.42.1 `WanTransformerBlock` (`diffusers/models/transformers/transformer_wan.py`)
// for a (B, 6, dim) timestep projection (Wan2.1 / Wan2.2 14B; not the per-token ti2v variant).

import TesseraTensor

/// One DiT block: adaLN-modulated self-attention with 3D RoPE, cross-attention to the prompt,
/// adaLN-modulated feed-forward, each added to the token stream (the two modulated ones gated).
struct WanTransformerBlock: Sendable {
    let dim: Int
    let eps: Float
    /// (1, 6, dim): learned offsets of shift/scale/gate (self-attention) and c_shift/c_scale/c_gate
    /// (feed-forward), added to the timestep projection.
    let scale_shift_table: Tensor
    let attn1: WanAttention
    let attn2: WanAttention
    /// Affine LayerNorm before cross-attention when `cross_attn_norm` (weight, bias), else nil
    /// (identity). `norm1` and `norm3` have no weights.
    let norm2: (weight: Tensor, bias: Tensor)?
    let ffn: FeedForward

    /// The block's modulation for each sample: scale_shift_table + timestep_proj, (B, 6, dim).
    func modulation(timestepProj: Tensor) -> [Float] {
        let batch = timestepProj.dim(0)
        var out = [Float](repeating: 0, count: batch * 6 * dim)
        for b in 0..<batch {
            for i in 0..<(6 * dim) {
                out[b * 6 * dim + i] = scale_shift_table.data[i] + timestepProj.data[b * 6 * dim + i]
            }
        }
        return out
    }

    /// Runs the block on `workspace.hidden` (B·L, dim) in place.
    ///
    /// - Parameters:
    ///   - modulation: (B, 6, dim) from `modulation(timestepProj:)`
    ///   - cos, sin: (L, head_dim / 2) RoPE pair tables
    ///   - keyValues: this block's prompt keys/values (B, Ltext, 2·dim)
    func apply(
        _ w: WanForwardWorkspace, modulation: UnsafePointer<Float>,
        cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, keyValues: Tensor
    ) {
        let rows = w.batch * w.tokens, d = dim
        let stride = 6 * d
        let shiftMSA = modulation, scaleMSA = modulation + d, gateMSA = modulation + 2 * d
        let cShiftMSA = modulation + 3 * d, cScaleMSA = modulation + 4 * d, cGateMSA = modulation + 5 * d

        // 1. Self-attention
        // norm1(x)·(1 + scale_msa) + shift_msa: (B·L, dim)
        layerNorm(w.hidden, rows: rows, dim: d, weight: nil, bias: nil, eps: eps,
                  modulation: NormModulation(scale: scaleMSA, shift: shiftMSA, stride: stride, rowsPerGroup: w.tokens),
                  into: w.normed)
        // attn1 with RoPE: (B·L, dim)
        attn1.selfAttention(w.normed, batch: w.batch, tokens: w.tokens, cos: cos, sin: sin,
                            qkv: w.qkv, attention: w.attention, into: w.projected)
        // x + (attn + to_out bias) · gate_msa: (B·L, dim)
        attn1.to_out.withBias { bias in
            addResidual(w.hidden, w.projected, batch: w.batch, length: w.tokens, dim: d, bias: bias,
                        gate: gateMSA, gateStride: stride)
        }

        // 2. Cross-attention
        var crossInput = UnsafePointer(w.hidden)
        if let norm2 {
            // norm2(x) (affine): (B·L, dim)
            norm2.weight.withUnsafeBufferPointer { weight in
                norm2.bias.withUnsafeBufferPointer { bias in
                    layerNorm(w.hidden, rows: rows, dim: d, weight: weight.baseAddress!, bias: bias.baseAddress!,
                              eps: eps, into: w.normed)
                }
            }
            crossInput = UnsafePointer(w.normed)
        }
        // attn2 over the prompt tokens: (B·L, dim)
        attn2.crossAttention(crossInput, batch: w.batch, tokens: w.tokens, keyValues: keyValues,
                             query: w.qkv, attention: w.attention, into: w.projected)
        // x + attn + to_out bias: (B·L, dim)
        attn2.to_out.withBias { bias in
            addResidual(w.hidden, w.projected, batch: w.batch, length: w.tokens, dim: d, bias: bias)
        }

        // 3. Feed-forward
        // norm3(x)·(1 + c_scale_msa) + c_shift_msa: (B·L, dim)
        layerNorm(w.hidden, rows: rows, dim: d, weight: nil, bias: nil, eps: eps,
                  modulation: NormModulation(scale: cScaleMSA, shift: cShiftMSA, stride: stride, rowsPerGroup: w.tokens),
                  into: w.normed)
        // ffn: (B·L, dim)
        ffn.applyWithoutOutputBias(w.normed, rows: rows, hidden: w.ffnHidden, into: w.projected)
        // x + (ffn + net.2 bias) · c_gate_msa: (B·L, dim)
        ffn.net_2.withBias { bias in
            addResidual(w.hidden, w.projected, batch: w.batch, length: w.tokens, dim: d, bias: bias,
                        gate: cGateMSA, gateStride: stride)
        }
    }
}
