// Port of diffusers 0.42.1 `FeedForward(dim, inner_dim=ffn_dim, activation_fn="gelu-approximate")`
// (`diffusers/models/attention.py`, `diffusers/models/activations.py` GELU).

import TesseraTensor

/// Position-wise MLP: `net.0.proj` (ffn_dim, dim) → GELU(tanh) → `net.2` (dim, ffn_dim).
/// (`net.1` is dropout.)
struct FeedForward: Sendable {
    /// Checkpoint key `net.0.proj`.
    let net_0_proj: LinearProjection
    /// Checkpoint key `net.2`.
    let net_2: LinearProjection

    /// `x` (rows, dim) → `out` (rows, dim) **without `net.2`'s bias**, which the caller adds
    /// with the residual (`net_2.withBias`); scratch `hidden` (rows, ffn_dim).
    func applyWithoutOutputBias(_ x: UnsafePointer<Float>, rows: Int, hidden: UnsafeMutablePointer<Float>,
                                into out: UnsafeMutablePointer<Float>) {
        let width = net_0_proj.outFeatures
        net_0_proj.applyWithoutBias(x, rows: rows, into: hidden)  // (rows, ffn_dim), bias below
        net_0_proj.withBias { bias in
            gelu(hidden, rows: rows, width: width, bias: bias, approximation: .tanh)  // (rows, ffn_dim)
        }
        net_2.applyWithoutBias(hidden, rows: rows, into: out)  // (rows, dim) − bias
    }
}
