// Scaled-dot-product attention computed tile by tile with an online softmax (the
// flash-attention recurrence), so the (Lq, Lk) score matrix is never materialised: each task
// holds one (tileQ, tileK) block of scores at a time. Operands are read in place through
// strides, so heads packed side by side in token rows (the (B, L, H·D) output of a
// projection, or one of q | k | v inside a fused (B, L, 3·H·D) one) need no transpose.

/// How (batch, head, token, channel) map to memory for the attention operands.
public enum AttentionLayout: Sendable {
    /// (B, L, H, D): the output of a linear projection viewed as heads, no transpose needed.
    case batchTokenHeadChannel
    /// (B, H, L, D), e.g. (B·H, L, D) with B = 1 folded.
    case batchHeadTokenChannel

    /// Element strides of an operand of `length` tokens.
    public func strides(heads: Int, length: Int, headDim: Int) -> AttentionStrides {
        switch self {
        case .batchTokenHeadChannel: return AttentionStrides(batch: length * heads * headDim, head: headDim, token: heads * headDim)
        case .batchHeadTokenChannel: return AttentionStrides(batch: heads * length * headDim, head: length * headDim, token: headDim)
        }
    }
}

/// Element strides of one attention operand: channel c of head h of token l of sample b is at
/// b·batch + h·head + l·token + c.
public struct AttentionStrides: Sendable, Equatable {
    public var batch: Int
    public var head: Int
    public var token: Int
    public init(batch: Int, head: Int, token: Int) {
        self.batch = batch
        self.head = head
        self.token = token
    }

    /// (B, L, H, D) with each token's heads side by side in a row of `rowStride` ≥ H·D elements,
    /// e.g. q, k or v inside a fused (B·L, 3·H·D) projection (`rowStride` 3·H·D).
    public static func tokenRows(_ rowStride: Int, length: Int, headDim: Int) -> AttentionStrides {
        AttentionStrides(batch: length * rowStride, head: headDim, token: rowStride)
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

    /// Every key in one tile: one (queryTile, Lk) score block per task, one softmax pass and no
    /// rescaling. Faster while that block stays in cache (Wan's self-attention: 295 KB at 576
    /// tokens; query tiles of 64-192 measured alike); memory grows with Lk.
    public static let wholeKeyRows = AttentionTiling(queryTile: 128, keyTile: .max)
}

/// out = softmax(scale · Q·Kᵀ + mask) · V per batch and head, as PyTorch's
/// `scaled_dot_product_attention` with a boolean key-padding mask.
///
/// q and out are (B, Lq, H, D) or (B, H, Lq, D) by `layout`; k and v the same with Lk.
/// `keyMask` is (B, Lk), true = attend; a query whose keys are all masked gets zeros.
/// `scale` defaults to 1/√D. `out` must not alias the inputs.
public func scaledDotProductAttention(
    query q: UnsafePointer<Float>, key k: UnsafePointer<Float>, value v: UnsafePointer<Float>,
    output out: UnsafeMutablePointer<Float>,
    batch: Int, heads: Int, queryLength: Int, keyLength: Int, headDim: Int,
    layout: AttentionLayout = .batchTokenHeadChannel,
    keyMask: UnsafePointer<Bool>? = nil, scale: Float? = nil,
    tiling: AttentionTiling = AttentionTiling()
) {
    let qs = layout.strides(heads: heads, length: queryLength, headDim: headDim)
    let ks = layout.strides(heads: heads, length: keyLength, headDim: headDim)
    scaledDotProductAttention(
        query: q, queryStrides: qs, key: k, keyStrides: ks, value: v, valueStrides: ks,
        output: out, outputStrides: qs, batch: batch, heads: heads, queryLength: queryLength,
        keyLength: keyLength, headDim: headDim, keyMask: keyMask, scale: scale, tiling: tiling)
}

/// `scaledDotProductAttention` over operands at any strides (`AttentionStrides`), with an
/// optional `valueBias` (H·D): out = softmax(…) · (V + 1·valueBiasᵀ), the value projection's
/// bias added to each output row rather than to every value row (softmax rows sum to 1, so
/// P·(V + 1·bᵀ) = P·V + bᵀ; a query whose keys are all masked still gets zeros).
///
/// Work is split over (batch, head, query tile) across the thread pool; inside each task the
/// two products (Q·Kᵀ and P·V) are single-threaded sgemm calls on tiles held in cache, P·V
/// accumulating straight into `out`. Memory: per thread (tileQ·tileK + 2·tileQ) floats.
public func scaledDotProductAttention(
    query q: UnsafePointer<Float>, queryStrides qs: AttentionStrides,
    key k: UnsafePointer<Float>, keyStrides ks: AttentionStrides,
    value v: UnsafePointer<Float>, valueStrides vs: AttentionStrides,
    output out: UnsafeMutablePointer<Float>, outputStrides os: AttentionStrides,
    batch: Int, heads: Int, queryLength: Int, keyLength: Int, headDim: Int,
    keyMask: UnsafePointer<Bool>? = nil, scale: Float? = nil, valueBias: UnsafePointer<Float>? = nil,
    tiling: AttentionTiling = AttentionTiling()
) {
    if batch == 0 || heads == 0 || queryLength == 0 || headDim == 0 { return }
    let d = headDim
    let scale = scale ?? 1 / Float(d).squareRoot()
    let tileQ = min(tiling.queryTile, queryLength)
    let tileK = min(tiling.keyTile, max(keyLength, 1))
    let queryTiles = (queryLength + tileQ - 1) / tileQ
    let tasks = batch * heads * queryTiles

    Threads.parallelFor(tasks, singleThreadedBLAS: true, scratch: tileQ * tileK + 2 * tileQ) { range, scratch in
        let scores = scratch, runningMax = scratch + tileQ * tileK, runningSum = runningMax + tileQ
        for task in range {
            let qt = task % queryTiles
            let h = (task / queryTiles) % heads
            let b = task / (queryTiles * heads)
            let q0 = qt * tileQ
            let rows = min(tileQ, queryLength - q0)
            let qTile = q + b * qs.batch + h * qs.head + q0 * qs.token      // (rows, D), row stride qs.token
            let kHead = k + b * ks.batch + h * ks.head                       // (Lk, D), row stride ks.token
            let vHead = v + b * vs.batch + h * vs.head                       // (Lk, D), row stride vs.token
            let outTile = out + b * os.batch + h * os.head + q0 * os.token  // (rows, D), row stride os.token
            let mask = keyMask.map { $0 + b * keyLength }

            runningMax.update(repeating: -.infinity, count: rows)
            runningSum.update(repeating: 0, count: rows)
            if keyLength == 0 {
                for i in 0..<rows { (outTile + i * os.token).update(repeating: 0, count: d) }
            }

            var k0 = 0
            while k0 < keyLength {
                let cols = min(tileK, keyLength - k0)
                let first = k0 == 0
                // S = scale · Q_tile · K_tileᵀ                                  (rows, cols)
                BLAS.sgemm(transA: .none, transB: .transpose, m: rows, n: cols, k: d,
                           alpha: scale, a: qTile, lda: qs.token, b: kHead + k0 * ks.token, ldb: ks.token,
                           beta: 0, c: scores, ldc: cols)
                if let mask {
                    for j in 0..<cols where !mask[k0 + j] {
                        for i in 0..<rows { scores[i * cols + j] = -.infinity }
                    }
                }
                // Online softmax: P = e^(S − running max), and what was accumulated rescaled
                // to the new row maxima; the division by the row sums waits for the end.
                for i in 0..<rows {
                    let s = scores + i * cols
                    let newMax = max(runningMax[i], vectorMax(s, cols))
                    if newMax == -.infinity {
                        s.update(repeating: 0, count: cols)  // every key so far masked
                        continue
                    }
                    let correction = runningMax[i] == -.infinity ? 0 : fastExp(runningMax[i] - newMax)
                    runningSum[i] = runningSum[i] * correction + expShiftedSum(s, cols, shift: newMax)
                    runningMax[i] = newMax
                    if !first && correction != 1 {
                        let o = outTile + i * os.token
                        for c in 0..<d { o[c] *= correction }
                    }
                }
                // O = P · V_tile (first tile), then O += P · V_tile                 (rows, D)
                BLAS.sgemm(transA: .none, transB: .none, m: rows, n: d, k: cols,
                           alpha: 1, a: scores, lda: cols, b: vHead + k0 * vs.token, ldb: vs.token,
                           beta: first ? 0 : 1, c: outTile, ldc: os.token)
                k0 += cols
            }
            // out = O / l (+ value bias)                                         (rows, D)
            for i in 0..<rows {
                let o = outTile + i * os.token
                guard runningSum[i] > 0 else {
                    o.update(repeating: 0, count: d)
                    continue
                }
                let inverse = 1 / runningSum[i]
                if let valueBias {
                    let bias = valueBias + h * d
                    for c in 0..<d { o[c] = o[c] * inverse + bias[c] }
                } else {
                    for c in 0..<d { o[c] *= inverse }
                }
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
