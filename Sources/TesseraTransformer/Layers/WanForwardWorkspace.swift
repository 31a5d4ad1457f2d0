// Scratch buffers of one forward pass, allocated once and reused by every block (and by the
// next pass of the same shape, through `WanWorkspaceCache`).

/// The token stream and the scratch buffers a forward pass needs, for B samples of L tokens.
/// Every block reads and writes `hidden` in place and overwrites the others.
final class WanForwardWorkspace {
    let batch: Int
    let tokens: Int
    /// (B·L, dim): the residual token stream.
    let hidden: UnsafeMutablePointer<Float>
    /// (B·L, dim): normalised (and modulated) tokens.
    let normed: UnsafeMutablePointer<Float>
    /// (B·L, 3·dim): self-attention q | k | v; cross-attention queries use its first B·L·dim.
    let qkv: UnsafeMutablePointer<Float>
    /// (B·L, dim): attention output before `to_out`.
    let attention: UnsafeMutablePointer<Float>
    /// (B·L, dim): output of a sub-layer before it joins the stream.
    let projected: UnsafeMutablePointer<Float>
    /// (B·L, ffn_dim): feed-forward hidden activations.
    let ffnHidden: UnsafeMutablePointer<Float>

    private let sizes: [Int]

    init(batch: Int, tokens: Int, dim: Int, ffnDim: Int) {
        self.batch = batch
        self.tokens = tokens
        let rows = batch * tokens
        sizes = [rows * dim, rows * dim, rows * 3 * dim, rows * dim, rows * dim, rows * ffnDim]
        func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            return p
        }
        hidden = allocate(sizes[0])
        normed = allocate(sizes[1])
        qkv = allocate(sizes[2])
        attention = allocate(sizes[3])
        projected = allocate(sizes[4])
        ffnHidden = allocate(sizes[5])
    }

    deinit {
        for p in [hidden, normed, qkv, attention, projected, ffnHidden] { p.deallocate() }
    }
}
