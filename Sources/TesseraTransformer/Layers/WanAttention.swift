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
                    let rotary = NormRotary(cos: cos, sin: sin, tokens: tokens, headDim: headDim)
                    rmsNorm(qkv, rows: rows, dim: d, weight: wq.baseAddress!, eps: eps, bias: bias,
                            rowStride: 3 * d, rotary: rotary, into: qkv)
                    rmsNorm(qkv + d, rows: rows, dim: d, weight: wk.baseAddress!, eps: eps, bias: bias + d,
                            rowStride: 3 * d, rotary: rotary, into: qkv + d)
                }
            }
            // (B·L, dim): softmax(q·kᵀ / sqrt(head_dim)) · (v + bias) per head
            let strides = AttentionStrides.tokenRows(3 * d, length: tokens, headDim: headDim)
            scaledDotProductAttention(
                query: qkv, queryStrides: strides, key: qkv + d, keyStrides: strides,
                value: qkv + 2 * d, valueStrides: strides,
                output: attention, outputStrides: .tokenRows(d, length: tokens, headDim: headDim),
                batch: batch, heads: heads, queryLength: tokens, keyLength: tokens, headDim: headDim,
                valueBias: bias + 2 * d, tiling: .wholeKeyRows)
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
                rmsNorm(kv.baseAddress!, rows: rows, dim: d, weight: wk.baseAddress!, eps: eps, rowStride: 2 * d,
                        into: kv.baseAddress!)
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
                rmsNorm(query, rows: rows, dim: d, weight: wq.baseAddress!, eps: eps, bias: bias, into: query)
            }
        }
        keyValues.withUnsafeBufferPointer { kv in
            let kv = kv.baseAddress!
            // (B·L, dim): softmax(q·kᵀ / sqrt(head_dim)) · v per head, over all text tokens
            let kvStrides = AttentionStrides.tokenRows(2 * d, length: textTokens, headDim: headDim)
            let rowStrides = AttentionStrides.tokenRows(d, length: tokens, headDim: headDim)
            scaledDotProductAttention(
                query: query, queryStrides: rowStrides, key: kv, keyStrides: kvStrides,
                value: kv + d, valueStrides: kvStrides, output: attention, outputStrides: rowStrides,
                batch: batch, heads: heads, queryLength: tokens, keyLength: textTokens, headDim: headDim,
                tiling: .wholeKeyRows)
        }
        to_out.applyWithoutBias(attention, rows: rows, into: out)  // (B·L, dim) − to_out bias
    }
}
