// Port of diffusers 0.42.1 `WanAttentionBlock` (diffusers/models/autoencoders/autoencoder_kl_wan.py):
// single-head self-attention over the pixels of each frame, in the middle blocks.

import Foundation
import TesseraTensor
import TesseraWeights

/// x + proj(attention(to_qkv(norm(x)))) per frame, one head of width C, scale 1/√C.
/// Keys: `norm.gamma` (C, 1, 1), `to_qkv.weight` (3C, C, 1, 1), `to_qkv.bias` (3C),
/// `proj.weight` (C, C, 1, 1), `proj.bias` (C).
struct WanAttentionBlock {
    let dim: Int
    let norm: WanRMSNorm
    let toQKVWeight: [Float]
    let toQKVBias: [Float]
    let projWeight: [Float]
    let projBias: [Float]

    /// Query rows per block of the score matrix: (rows, H·W) floats at a time, never (H·W)².
    static let queryBlock = 256

    init(_ weights: some WeightSource, dim: Int) throws {
        self.dim = dim
        norm = try WanRMSNorm(weights.scope("norm"), channels: dim, images: true)
        toQKVWeight = try weights.take("to_qkv.weight", shape: [3 * dim, dim, 1, 1]).data
        toQKVBias = try weights.take("to_qkv.bias", shape: [3 * dim]).data
        projWeight = try weights.take("proj.weight", shape: [dim, dim, 1, 1]).data
        projBias = try weights.take("proj.bias", shape: [dim]).data
    }

    /// x (B, C, T, H, W) → (B, C, T, H, W).
    func callAsFunction(_ x: Tensor) -> Tensor {
        let (b, c, t, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4])
        precondition(c == dim, "WanAttentionBlock(\(dim)) on \(x.shape)")
        let l = h * w
        // The norm is per pixel over channels, so it can run on the video layout directly.
        let normed = norm(x, silu: false)                              // (B, C, T, H, W)
        var out = x                                                    // identity, added below
        let scale = 1 / Float(c).squareRoot()
        let block = min(Self.queryBlock, l)
        let frame = UnsafeMutablePointer<Float>.allocate(capacity: c * l)      // (C, L)
        let qkv = UnsafeMutablePointer<Float>.allocate(capacity: 3 * c * l)    // (3C, L): q, k, v rows
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: block * l) // (Lq, L)
        let attended = UnsafeMutablePointer<Float>.allocate(capacity: c * l)   // (C, L)
        let projected = UnsafeMutablePointer<Float>.allocate(capacity: c * l)  // (C, L)
        defer { for p in [frame, qkv, scores, attended, projected] { p.deallocate() } }

        normed.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for bi in 0..<b {
                    for ti in 0..<t {
                        // Gather frame (bi, ti): channel stride T·H·W in the video layout.
                        for ci in 0..<c {
                            frame.advanced(by: ci * l).update(
                                from: src.baseAddress! + ((bi * c + ci) * t + ti) * l, count: l)
                        }
                        // qkv = W_qkv · x + b: (3C, C) · (C, L) → (3C, L).
                        for r in 0..<(3 * c) { qkv.advanced(by: r * l).update(repeating: toQKVBias[r], count: l) }
                        toQKVWeight.withUnsafeBufferPointer { wq in
                            BLAS.sgemm(m: 3 * c, n: l, k: c, a: wq.baseAddress!, lda: c, b: frame, ldb: l,
                                       beta: 1, c: qkv, ldc: l)
                        }
                        let q = qkv, k = qkv + c * l, v = qkv + 2 * c * l
                        // Attention, query block by query block: softmax(qᵀk / √C) vᵀ.
                        var q0 = 0
                        while q0 < l {
                            let rows = min(block, l - q0)
                            // scores (rows, L) = q[:, q0..]ᵀ (rows, C) · k (C, L), scaled.
                            BLAS.sgemm(transA: .transpose, m: rows, n: l, k: c, alpha: scale,
                                       a: q + q0, lda: l, b: k, ldb: l, c: scores, ldc: l)
                            softmax(scores, rows: rows, dim: l, into: scores)
                            // attended[:, q0..] (C, rows) = v (C, L) · scoresᵀ (L, rows).
                            BLAS.sgemm(transB: .transpose, m: c, n: rows, k: l,
                                       a: v, lda: l, b: scores, ldb: l, c: attended + q0, ldc: l)
                            q0 += rows
                        }
                        // proj: (C, C) · (C, L) + b, then the residual in the video layout.
                        for r in 0..<c { projected.advanced(by: r * l).update(repeating: projBias[r], count: l) }
                        projWeight.withUnsafeBufferPointer { wp in
                            BLAS.sgemm(m: c, n: l, k: c, a: wp.baseAddress!, lda: c, b: attended, ldb: l,
                                       beta: 1, c: projected, ldc: l)
                        }
                        for ci in 0..<c {
                            let o = dst.baseAddress! + ((bi * c + ci) * t + ti) * l
                            let p = projected + ci * l
                            for i in 0..<l { o[i] += p[i] }
                        }
                    }
                }
            }
        }
        return out
    }
}
