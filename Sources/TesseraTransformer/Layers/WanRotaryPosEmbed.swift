// Port of diffusers 0.42.1 `WanRotaryPosEmbed` (`diffusers/models/transformers/transformer_wan.py`)
// and the `get_1d_rotary_pos_embed(use_real=True, repeat_interleave_real=True)` it calls
// (`diffusers/models/embeddings.py`).

import Foundation
import TesseraTensor

/// 3D rotary position embedding: each head's channels are split into a frame part, a height
/// part and a width part, each rotated by the token's position along its axis.
///
/// Split, as diffusers: h_dim = w_dim = 2·(head_dim / 6), t_dim = head_dim − h_dim − w_dim.
/// Frequencies 1 / 10000^(2j / axis_dim) are computed in float64 (as the reference on CPU),
/// angles pos·freq likewise, and cos/sin rounded to fp32.
public struct WanRotaryPosEmbed: Sendable {
    public let attentionHeadDim: Int
    public let patchSize: [Int]
    public let maxSeqLen: Int
    public let theta: Double
    public let tDim: Int
    public let hDim: Int
    public let wDim: Int

    public init(attentionHeadDim: Int, patchSize: [Int], maxSeqLen: Int, theta: Double = 10000) {
        self.attentionHeadDim = attentionHeadDim
        self.patchSize = patchSize
        self.maxSeqLen = maxSeqLen
        self.theta = theta
        hDim = 2 * (attentionHeadDim / 6)
        wDim = hDim
        tDim = attentionHeadDim - hDim - wDim
    }

    /// Angles of one axis: (positions, axisDim / 2), angle[p][j] = p / theta^(2j / axisDim).
    private func angles(axisDim: Int, positions: Int) -> [Double] {
        let pairs = axisDim / 2
        var out = [Double](repeating: 0, count: positions * pairs)
        for j in 0..<pairs {
            let freq = 1.0 / pow(theta, Double(2 * j) / Double(axisDim))
            for p in 0..<positions { out[p * pairs + j] = Double(p) * freq }
        }
        return out
    }

    /// The half tables the attention kernel uses: (L, head_dim / 2) cos and sin, one angle per
    /// channel pair, tokens ordered (frame, row, column) as the patch embedding orders them.
    ///
    /// - Parameters: post-patch grid sizes (frames, height, width).
    func pairTables(frames: Int, height: Int, width: Int) -> (cos: [Float], sin: [Float]) {
        let half = attentionHeadDim / 2
        let t = angles(axisDim: tDim, positions: frames)
        let h = angles(axisDim: hDim, positions: height)
        let w = angles(axisDim: wDim, positions: width)
        let tp = tDim / 2, hp = hDim / 2, wp = wDim / 2
        let tokens = frames * height * width
        var cos = [Float](repeating: 0, count: tokens * half)
        var sin = [Float](repeating: 0, count: tokens * half)
        var l = 0
        for f in 0..<frames {
            for y in 0..<height {
                for x in 0..<width {
                    let row = l * half
                    for j in 0..<tp {
                        cos[row + j] = Float(Foundation.cos(t[f * tp + j]))
                        sin[row + j] = Float(Foundation.sin(t[f * tp + j]))
                    }
                    for j in 0..<hp {
                        cos[row + tp + j] = Float(Foundation.cos(h[y * hp + j]))
                        sin[row + tp + j] = Float(Foundation.sin(h[y * hp + j]))
                    }
                    for j in 0..<wp {
                        cos[row + tp + hp + j] = Float(Foundation.cos(w[x * wp + j]))
                        sin[row + tp + hp + j] = Float(Foundation.sin(w[x * wp + j]))
                    }
                    l += 1
                }
            }
        }
        return (cos, sin)
    }

    /// diffusers' `freqs_cos`, `freqs_sin` for a post-patch grid: (L, head_dim) each, every
    /// pair's value repeated twice (`repeat_interleave_real`). For tests and debugging.
    public func tables(frames: Int, height: Int, width: Int) -> (cos: Tensor, sin: Tensor) {
        let (cos, sin) = pairTables(frames: frames, height: height, width: width)
        let tokens = frames * height * width
        func interleaved(_ half: [Float]) -> Tensor {
            var out = [Float](repeating: 0, count: tokens * attentionHeadDim)
            for i in 0..<half.count {
                out[2 * i] = half[i]
                out[2 * i + 1] = half[i]
            }
            return Tensor(shape: [tokens, attentionHeadDim], data: out)
        }
        return (interleaved(cos), interleaved(sin))
    }
}
