// Port of diffusers 0.42.1 `WanAttention` with `WanAttnProcessor`
// (`diffusers/models/transformers/transformer_wan.py`), text-to-video part (no added K/V).

import TesseraTensor

/// Multi-head attention with RMSNorm on queries and keys across all heads (`norm_q`, `norm_k`)
/// and, in self-attention, Wan's 3D rotary embedding on both.
///
/// The projections are kept fused as diffusers' `fuse_projections()` fuses them, so one GEMM
/// computes them: self-attention stacks `to_q`, `to_k`, `to_v` into `to_qkv` (3·dim, dim);
/// cross-attention stacks `to_k`, `to_v` into `to_kv` (2·dim, dim), applied to the prompt
/// once per clip (`WanTextConditioning`).
struct WanAttention: Sendable {
    let heads: Int
    let headDim: Int
    let eps: Float
    /// Self-attention: checkpoint keys `to_q`, `to_k`, `to_v` stacked (3·dim, dim).
    let to_qkv: LinearProjection?
    /// Cross-attention: checkpoint key `to_q` (dim, dim).
    let to_q: LinearProjection?
    /// Cross-attention: checkpoint keys `to_k`, `to_v` stacked (2·dim, dim).
    let to_kv: LinearProjection?
    /// Checkpoint key `to_out.0` (dim, dim); `to_out.1` is dropout.
    let to_out: LinearProjection
    /// (dim) RMSNorm weight over all heads.
    let norm_q: Tensor
    /// (dim) RMSNorm weight over all heads.
    let norm_k: Tensor

    var dim: Int { heads * headDim }

    // MARK: - Self-attention

    /// Self-attention of `x` (B·L, dim) into `out` (B·L, dim) **without `to_out`'s bias** (the
    /// caller adds it with the residual), with scratch `qkv` (B·L, 3·dim) and `attention`
    /// (B·L, dim). `cos`/`sin` are the (L, head_dim / 2) RoPE pair tables.
    ///
    /// Biases are added in the passes that follow each GEMM: q and k biases in RMSNorm, the v
    /// bias to the attention output (softmax rows sum to 1).
    func selfAttention(
        _ x: UnsafePointer<Float>, batch: Int, tokens: Int,
        cos: UnsafePointer<Float>, sin: UnsafePointer<Float>,
        qkv: UnsafeMutablePointer<Float>, attention: UnsafeMutablePointer<Float>,
        into out: UnsafeMutablePointer<Float>
    ) {
        let rows = batch * tokens, d = dim
        let projection = to_qkv!
        projection.applyWithoutBias(x, rows: rows, into: qkv)  // (B·L, 3·dim): q | k | v − biases
        projection.withBias { bias in
            norm_q.withUnsafeBufferPointer { wq in
                norm_k.withUnsafeBufferPointer { wk in
                    // + bias, norm_q / norm_k over all heads, RoPE per head: (B·L, dim) each, in place
                    rmsNormRotaryRows(qkv, batch: batch, tokens: tokens, heads: heads, headDim: headDim,
                                      rowStride: 3 * d, eps: eps, weight: wq.baseAddress!, bias: bias,
                                      cos: cos, sin: sin)
                    rmsNormRotaryRows(qkv + d, batch: batch, tokens: tokens, heads: heads, headDim: headDim,
                                      rowStride: 3 * d, eps: eps, weight: wk.baseAddress!, bias: bias + d,
                                      cos: cos, sin: sin)
                }
            }
            // (B·L, dim): softmax(q·kᵀ / sqrt(head_dim)) · (v + bias) per head
            multiHeadAttention(q: qkv, qStride: 3 * d, k: qkv + d, kStride: 3 * d, v: qkv + 2 * d, vStride: 3 * d,
                               out: attention, outStride: d,
                               batch: batch, queryTokens: tokens, keyTokens: tokens, heads: heads, headDim: headDim,
                               valueBias: bias + 2 * d)
        }
        to_out.applyWithoutBias(attention, rows: rows, into: out)  // (B·L, dim) − to_out bias
    }

    // MARK: - Cross-attention

    /// The prompt's keys and values: `context` (B, Ltext, dim) → (B, Ltext, 2·dim) with the
    /// RMS-normalised keys in columns 0..<dim and the values in dim..<2·dim.
    func projectKeyValues(_ context: Tensor) -> Tensor {
        var kv = to_kv!(context)  // (B, Ltext, 2·dim)
        let rows = context.count / context.dim(-1)
        let d = dim
        kv.withUnsafeMutableBufferPointer { kv in
            norm_k.withUnsafeBufferPointer { wk in
                rmsNormRows(kv.baseAddress!, rows: rows, dim: d, rowStride: 2 * d, eps: eps, weight: wk.baseAddress!)
            }
        }
        return kv
    }

    /// Cross-attention of `x` (B·L, dim) to the prompt's `keyValues` (B, Ltext, 2·dim) from
    /// `projectKeyValues`, into `out` (B·L, dim) **without `to_out`'s bias** (the caller adds it
    /// with the residual), with scratch `query` and `attention` (B·L, dim).
    func crossAttention(
        _ x: UnsafePointer<Float>, batch: Int, tokens: Int, keyValues: Tensor,
        query: UnsafeMutablePointer<Float>, attention: UnsafeMutablePointer<Float>,
        into out: UnsafeMutablePointer<Float>
    ) {
        let rows = batch * tokens, d = dim
        let textTokens = keyValues.dim(1)
        let projection = to_q!
        projection.applyWithoutBias(x, rows: rows, into: query)  // (B·L, dim) − bias
        projection.withBias { bias in
            norm_q.withUnsafeBufferPointer { wq in
                // + bias, norm_q over all heads: (B·L, dim)
                rmsNormRows(query, rows: rows, dim: d, rowStride: d, eps: eps, weight: wq.baseAddress!, bias: bias)
            }
        }
        keyValues.withUnsafeBufferPointer { kv in
            let kv = kv.baseAddress!
            // (B·L, dim): softmax(q·kᵀ / sqrt(head_dim)) · v per head, over all text tokens
            multiHeadAttention(q: query, qStride: d, k: kv, kStride: 2 * d, v: kv + d, vStride: 2 * d,
                               out: attention, outStride: d,
                               batch: batch, queryTokens: tokens, keyTokens: textTokens, heads: heads,
                               headDim: headDim)
        }
        to_out.applyWithoutBias(attention, rows: rows, into: out)  // (B·L, dim) − to_out bias
    }
}
