// Scaled-dot-product attention computed tile by tile with an online softmax (the
// flash-attention recurrence), so the (Lq, Lk) score matrix is never materialised: each task
// holds one (tileQ, tileK) block of scores at a time.

/// How (batch, head, token, channel) map to memory for the attention operands.
public enum AttentionLayout: Sendable {
    /// (B, L, H, D): the output of a linear projection viewed as heads, no transpose needed.
    case batchTokenHeadChannel
    /// (B, H, L, D), e.g. (B·H, L, D) with B = 1 folded.
    case batchHeadTokenChannel

    /// Element strides (batch, head, token) for a sequence of `length` tokens.
    func strides(heads: Int, length: Int, headDim: Int) -> (batch: Int, head: Int, token: Int) {
        switch self {
        case .batchTokenHeadChannel: return (length * heads * headDim, headDim, heads * headDim)
        case .batchHeadTokenChannel: return (heads * length * headDim, length * headDim, headDim)
        }
    }
}

/// Tile sizes of `scaledDotProductAttention`; the defaults suit head dims 64-128.
public struct AttentionTiling: Sendable {
    public var queryTile: Int
    public var keyTile: Int
    public init(queryTile: Int = 128, keyTile: Int = 256) {
        precondition(queryTile > 0 && keyTile > 0)
        self.queryTile = queryTile
        self.keyTile = keyTile
    }
}

/// out = softmax(scale · Q·Kᵀ + mask) · V per batch and head, as PyTorch's
/// `scaled_dot_product_attention` with a boolean key-padding mask.
///
/// q and out are (B, Lq, H, D) or (B, H, Lq, D) by `layout`; k and v the same with Lk.
/// `keyMask` is (B, Lk), true = attend; a query whose keys are all masked gets zeros.
/// `scale` defaults to 1/√D. `out` must not alias the inputs.
///
/// Work is split over (batch, head, query tile) across the thread pool; inside each task the
/// two products (Q·Kᵀ and P·V) are single-threaded sgemm calls on tiles held in cache.
/// Memory: per thread (tileQ·tileK + tileQ·D + 2·tileQ) floats, whatever the lengths.
public func scaledDotProductAttention(
    query q: UnsafePointer<Float>, key k: UnsafePointer<Float>, value v: UnsafePointer<Float>,
    output out: UnsafeMutablePointer<Float>,
    batch: Int, heads: Int, queryLength: Int, keyLength: Int, headDim: Int,
    layout: AttentionLayout = .batchTokenHeadChannel,
    keyMask: UnsafePointer<Bool>? = nil, scale: Float? = nil,
    tiling: AttentionTiling = AttentionTiling()
) {
    if batch == 0 || heads == 0 || queryLength == 0 || headDim == 0 { return }
    let d = headDim
    let qs = layout.strides(heads: heads, length: queryLength, headDim: d)
    let ks = layout.strides(heads: heads, length: keyLength, headDim: d)
    let scale = scale ?? 1 / Float(d).squareRoot()
    let tileQ = min(tiling.queryTile, queryLength)
    let tileK = min(tiling.keyTile, max(keyLength, 1))
    let queryTiles = (queryLength + tileQ - 1) / tileQ
    let tasks = batch * heads * queryTiles

    Threads.parallelFor(tasks, singleThreadedBLAS: true) { range in
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: tileQ * tileK)
        let accumulator = UnsafeMutablePointer<Float>.allocate(capacity: tileQ * d)
        let runningMax = UnsafeMutablePointer<Float>.allocate(capacity: tileQ)
        let runningSum = UnsafeMutablePointer<Float>.allocate(capacity: tileQ)
        defer {
            scores.deallocate()
            accumulator.deallocate()
            runningMax.deallocate()
            runningSum.deallocate()
        }
        for task in range {
            let qt = task % queryTiles
            let h = (task / queryTiles) % heads
            let b = task / (queryTiles * heads)
            let q0 = qt * tileQ
            let rows = min(tileQ, queryLength - q0)
            let qTile = q + b * qs.batch + h * qs.head + q0 * qs.token  // (rows, D), row stride qs.token
            let kHead = k + b * ks.batch + h * ks.head                   // (Lk, D), row stride ks.token
            let vHead = v + b * ks.batch + h * ks.head
            let mask = keyMask.map { $0 + b * keyLength }

            accumulator.update(repeating: 0, count: rows * d)
            runningMax.update(repeating: -.infinity, count: rows)
            runningSum.update(repeating: 0, count: rows)

            var k0 = 0
            while k0 < keyLength {
                let cols = min(tileK, keyLength - k0)
                // S = scale · Q_tile · K_tileᵀ                                  (rows, cols)
                BLAS.sgemm(transA: .none, transB: .transpose, m: rows, n: cols, k: d,
                           alpha: scale, a: qTile, lda: qs.token, b: kHead + k0 * ks.token, ldb: ks.token,
                           beta: 0, c: scores, ldc: cols)
                if let mask {
                    for j in 0..<cols where !mask[k0 + j] {
                        for i in 0..<rows { scores[i * cols + j] = -.infinity }
                    }
                }
                // Online softmax: rescale what was accumulated to the new row maxima.   (rows, cols)
                for i in 0..<rows {
                    let s = scores + i * cols
                    let tileMax = vectorMax(s, cols)
                    let newMax = max(runningMax[i], tileMax)
                    if newMax == -.infinity {
                        s.update(repeating: 0, count: cols)  // every key so far masked
                        continue
                    }
                    let correction = runningMax[i] == -.infinity ? 0 : fastExp(runningMax[i] - newMax)
                    expShifted(s, s, cols, shift: newMax)
                    runningSum[i] = runningSum[i] * correction + vectorSum(s, cols)
                    runningMax[i] = newMax
                    if correction != 1 {
                        let o = accumulator + i * d
                        for c in 0..<d { o[c] *= correction }
                    }
                }
                // O += P · V_tile                                               (rows, D)
                BLAS.sgemm(transA: .none, transB: .none, m: rows, n: d, k: cols,
                           alpha: 1, a: scores, lda: cols, b: vHead + k0 * ks.token, ldb: ks.token,
                           beta: 1, c: accumulator, ldc: d)
                k0 += cols
            }
            // out = O / l                                                        (rows, D)
            let outTile = out + b * qs.batch + h * qs.head + q0 * qs.token
            for i in 0..<rows {
                let inv: Float = runningSum[i] > 0 ? 1 / runningSum[i] : 0
                let o = accumulator + i * d, dst = outTile + i * qs.token
                for c in 0..<d { dst[c] = o[c] * inv }
            }
        }
    }
}

/// Tensor form for (B, L, H, D) operands: q (B, Lq, H, D), k and v (B, Lk, H, D) → (B, Lq, H, D).
/// `keyMask` is B·Lk booleans (true = attend) or nil.
public func scaledDotProductAttention(
    query: Tensor, key: Tensor, value: Tensor, keyMask: [Bool]? = nil, scale: Float? = nil
) -> Tensor {
    precondition(query.rank == 4 && key.rank == 4 && value.rank == 4, "attention: (B, L, H, D) operands expected")
    let (b, lq, h, d) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
    let lk = key.shape[1]
    precondition(key.shape == [b, lk, h, d] && value.shape == key.shape,
                 "attention: key \(key.shape) / value \(value.shape) do not match query \(query.shape)")
    if let keyMask { precondition(keyMask.count == b * lk, "attention: mask has \(keyMask.count) entries, expected \(b * lk)") }
    var out = Tensor(zeros: query.shape)
    query.withUnsafeBufferPointer { qp in
        key.withUnsafeBufferPointer { kp in
            value.withUnsafeBufferPointer { vp in
                out.withUnsafeMutableBufferPointer { op in
                    let output = op.baseAddress!
                    func run(_ mask: UnsafePointer<Bool>?) {
                        scaledDotProductAttention(
                            query: qp.baseAddress!, key: kp.baseAddress!, value: vp.baseAddress!,
                            output: output, batch: b, heads: h, queryLength: lq, keyLength: lk,
                            headDim: d, keyMask: mask, scale: scale)
                    }
                    if let keyMask { keyMask.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
                }
            }
        }
    }
    return out
}
