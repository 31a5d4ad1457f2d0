// Scaled dot-product attention over heads packed side by side in token rows, tile by tile.
//
// Wan's projections produce (B, L, H·d) rows; reading each head in place (a column offset and a
// row stride) avoids the (B, L, H, d) → (B, H, L, d) transposes of the reference. Queries are
// processed in tiles of `queryTile` rows: a tile's (queryTile, Lk) score block is the only
// score storage, so the full L×L matrix never exists for long sequences.

import TesseraTensor

/// Rows of queries per tile: big enough for efficient GEMMs, small enough that a thread's
/// (128, Lk) score block stays in cache (295 KB at 576 tokens; tiles of 64-192 measured alike).
let attentionQueryTile = 128

/// softmax(Q·Kᵀ / sqrt(d)) · (V + valueBias) for every sample and head, without a mask (Wan
/// attends to all).
///
/// `valueBias` (heads·d), the value projection's bias, is added to the output rather than to
/// every value row: softmax rows sum to 1, so P·(V + 1·bᵀ) = P·V + bᵀ.
///
/// Layouts (elements, row-major):
/// - `q`: row b·queryTokens + l, stride `qStride`; head h at columns h·headDim ..< (h+1)·headDim
/// - `k`, `v`: row b·keyTokens + l, strides `kStride`, `vStride`; heads as for `q`
/// - `out`: as `q` with stride `outStride`; it must not overlap `q`, `k` or `v`.
func multiHeadAttention(
    q: UnsafePointer<Float>, qStride: Int,
    k: UnsafePointer<Float>, kStride: Int,
    v: UnsafePointer<Float>, vStride: Int,
    out: UnsafeMutablePointer<Float>, outStride: Int,
    batch: Int, queryTokens: Int, keyTokens: Int, heads: Int, headDim: Int,
    valueBias: UnsafePointer<Float>? = nil
) {
    let tile = attentionQueryTile
    let tiles = (queryTokens + tile - 1) / tile
    let scale = 1 / Float(headDim).squareRoot()
    let outAddress = Int(bitPattern: out)
    // Work items: (sample, head, query tile); each thread owns one score block.
    Threads.parallelFor(batch * heads * tiles, singleThreadedBLAS: true) { items in
        let out = UnsafeMutablePointer<Float>(bitPattern: outAddress)!
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: tile * keyTokens)
        let inverseSums = UnsafeMutablePointer<Float>.allocate(capacity: tile)
        defer {
            scores.deallocate()
            inverseSums.deallocate()
        }
        for item in items {
            let t = item % tiles
            let h = (item / tiles) % heads
            let b = item / (tiles * heads)
            let q0 = t * tile
            let rows = min(tile, queryTokens - q0)
            let qTile = q + (b * queryTokens + q0) * qStride + h * headDim
            let kHead = k + b * keyTokens * kStride + h * headDim
            let vHead = v + b * keyTokens * vStride + h * headDim
            // (rows, Lk) = (rows, d) · (Lk, d)ᵀ / sqrt(d)
            BLAS.sgemm(transA: .none, transB: .transpose, m: rows, n: keyTokens, k: headDim,
                       alpha: scale, a: qTile, lda: qStride, b: kHead, ldb: kStride,
                       beta: 0, c: scores, ldc: keyTokens)
            // Unnormalised softmax e^(s − max) (rows, Lk); the division by each row's sum is
            // applied to the (rows, d) output instead, d ≪ Lk values per row.
            for r in 0..<rows {
                inverseSums[r] = 1 / expShiftedByMax(scores + r * keyTokens, count: keyTokens)
            }
            // (rows, d) = (rows, Lk) · (Lk, d) / row sums
            let outTile = out + (b * queryTokens + q0) * outStride + h * headDim
            BLAS.sgemm(transA: .none, transB: .none, m: rows, n: headDim, k: keyTokens,
                       alpha: 1, a: scores, lda: keyTokens, b: vHead, ldb: vStride,
                       beta: 0, c: outTile, ldc: outStride)
            if let valueBias {
                let bias = valueBias + h * headDim
                for r in 0..<rows {
                    let o = outTile + r * outStride, inverse = inverseSums[r]
                    for c in 0..<headDim { o[c] = o[c] * inverse + bias[c] }
                }
            } else {
                for r in 0..<rows {
                    let o = outTile + r * outStride, inverse = inverseSums[r]
                    for c in 0..<headDim { o[c] *= inverse }
                }
            }
        }
    }
}

/// x ← e^(x − max x) over one row of `count` ≥ 1 values, in place; returns the row's sum (≥ 1),
/// the softmax denominator.
@inline(__always)
func expShiftedByMax(_ x: UnsafeMutablePointer<Float>, count: Int) -> Float {
    let peak = rowMax(x, count: count)
    // One pass: exponentials written back and summed four lanes at a time (SSE2 operations
    // only, the same arithmetic as TesseraTensor's scalar fastExp).
    var sum = SIMD4<Float>()
    var i = 0
    let raw = UnsafeMutableRawPointer(x)
    let low = SIMD4<Float>(repeating: -87.33654)
    while i + 4 <= count {
        var v = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD4<Float>.self) - peak
        v.replace(with: low, where: v .< low)  // x − max ≤ 0: only the lower clamp matters
        let shifted = v * 1.442695041 + 12_582_912
        let n = shifted - 12_582_912
        var r = v - n * 0.693359375
        r = r - n * -2.12194440e-4
        var p = SIMD4<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        let exponent = (unsafeBitCast(shifted, to: SIMD4<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        let e = p * unsafeBitCast(exponent, to: SIMD4<Float>.self)
        raw.storeBytes(of: e, toByteOffset: 4 * i, as: SIMD4<Float>.self)
        sum += e
        i += 4
    }
    var total = sum.sum()
    while i < count {
        x[i] = fastExp(x[i] - peak)
        total += x[i]
        i += 1
    }
    return total
}

/// Sum of `count` floats with four independent vector accumulators (a plain loop would be a
/// serial chain of scalar adds: float addition is not reassociated by the compiler).
@inline(__always)
func rowSum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var a0 = SIMD4<Float>(), a1 = SIMD4<Float>(), a2 = SIMD4<Float>(), a3 = SIMD4<Float>()
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i + 16 <= count {
        a0 += raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD4<Float>.self)
        a1 += raw.loadUnaligned(fromByteOffset: 4 * (i + 4), as: SIMD4<Float>.self)
        a2 += raw.loadUnaligned(fromByteOffset: 4 * (i + 8), as: SIMD4<Float>.self)
        a3 += raw.loadUnaligned(fromByteOffset: 4 * (i + 12), as: SIMD4<Float>.self)
        i += 16
    }
    var total = ((a0 + a1) + (a2 + a3)).sum()
    while i < count {
        total += x[i]
        i += 1
    }
    return total
}

/// Maximum of `count` ≥ 1 floats, with four vector accumulators (see `rowSum`).
@inline(__always)
func rowMax(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var a0 = SIMD4<Float>(repeating: -.infinity), a1 = a0, a2 = a0, a3 = a0
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i + 16 <= count {
        let v0 = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD4<Float>.self)
        let v1 = raw.loadUnaligned(fromByteOffset: 4 * (i + 4), as: SIMD4<Float>.self)
        let v2 = raw.loadUnaligned(fromByteOffset: 4 * (i + 8), as: SIMD4<Float>.self)
        let v3 = raw.loadUnaligned(fromByteOffset: 4 * (i + 12), as: SIMD4<Float>.self)
        a0.replace(with: v0, where: v0 .> a0)
        a1.replace(with: v1, where: v1 .> a1)
        a2.replace(with: v2, where: v2 .> a2)
        a3.replace(with: v3, where: v3 .> a3)
        i += 16
    }
    var best = max(max(a0.max(), a1.max()), max(a2.max(), a3.max()))
    while i < count {
        best = max(best, x[i])
        i += 1
    }
    return best
}
