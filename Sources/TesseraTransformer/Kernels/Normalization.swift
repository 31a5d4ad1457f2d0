// Row-wise normalisations fused with what Wan applies right after them.
//
// Wan's blocks never use a bare LayerNorm: norm1/norm3/norm_out are followed by the adaLN
// modulation `· (1 + scale) + shift`, norm2 by its affine weight and bias, and norm_q/norm_k
// (RMSNorm over all heads) by RoPE in self-attention. Fusing them saves a pass over (B, L, D)
// each. Statistics are accumulated in Double where a row is summed, as PyTorch does in fp32
// with a pairwise/Welford reduction; the result is fp32 throughout.

import TesseraTensor

// MARK: - LayerNorm

/// LayerNorm of each row of `x` (rows, dim), written to `out` (rows, dim) (may alias `x`):
///
///     y = (x − mean) / sqrt(var + eps)                      (biased variance, as torch)
///     y = y · weight + bias                                 when `weight`/`bias` are given
///     y = y · (1 + scale[r / rowsPerGroup]) + shift[…]      when `scale`/`shift` are given
///
/// `scale` and `shift` point to (groups, dim) rows with a row stride of `modulationStride`
/// elements: group g serves rows g·rowsPerGroup ..< (g+1)·rowsPerGroup (one group per sample).
func layerNormRows(
    _ x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, rows: Int, dim: Int, eps: Float,
    weight: UnsafePointer<Float>? = nil, bias: UnsafePointer<Float>? = nil,
    scale: UnsafePointer<Float>? = nil, shift: UnsafePointer<Float>? = nil,
    modulationStride: Int = 0, rowsPerGroup: Int = 1
) {
    let outAddress = Int(bitPattern: out)
    Threads.parallelFor(rows, grain: 16) { range in
        let out = UnsafeMutablePointer<Float>(bitPattern: outAddress)!
        for r in range {
            let src = x + r * dim
            let dst = out + r * dim
            let mean = rowSum(src, count: dim) / Float(dim)
            for i in 0..<dim { dst[i] = src[i] - mean }
            let inv = 1 / (sumOfSquares(dst, count: dim) / Float(dim) + eps).squareRoot()
            for i in 0..<dim { dst[i] *= inv }
            if let weight, let bias {
                for i in 0..<dim { dst[i] = dst[i] * weight[i] + bias[i] }
            }
            if let scale, let shift {
                let g = r / rowsPerGroup
                let sc = scale + g * modulationStride
                let sh = shift + g * modulationStride
                for i in 0..<dim { dst[i] = dst[i] * (1 + sc[i]) + sh[i] }
            }
        }
    }
}

// MARK: - RMSNorm

/// RMSNorm of `rows` rows of `dim` values, in place, with an element-wise weight:
/// x ← x + bias (the projection's bias, when given), then y = x / sqrt(mean(x²) + eps) · weight.
/// Row r starts at `x + r · rowStride`.
///
/// Wan's `norm_q`/`norm_k` normalise over all heads together (`rms_norm_across_heads`).
func rmsNormRows(
    _ x: UnsafeMutablePointer<Float>, rows: Int, dim: Int, rowStride: Int, eps: Float,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>? = nil
) {
    let address = Int(bitPattern: x)
    Threads.parallelFor(rows, grain: 16) { range in
        let x = UnsafeMutablePointer<Float>(bitPattern: address)!
        for r in range {
            let row = x + r * rowStride
            if let bias { for i in 0..<dim { row[i] += bias[i] } }
            let inv = 1 / (sumOfSquares(row, count: dim) / Float(dim) + eps).squareRoot()
            for i in 0..<dim { row[i] = row[i] * inv * weight[i] }
        }
    }
}

/// RMSNorm (as `rmsNormRows`, bias included) followed by Wan's rotary embedding, in place.
///
/// `x` holds `batch · tokens` rows (token l of sample b at row b·tokens + l, stride
/// `rowStride`), each `heads × headDim` wide. `cos`/`sin` are (tokens, headDim / 2) tables of
/// the angle of each (token, pair); pair i of each head rotates (x[2i], x[2i+1]):
///
///     out[2i]   = x[2i]·cos − x[2i+1]·sin
///     out[2i+1] = x[2i]·sin + x[2i+1]·cos
func rmsNormRotaryRows(
    _ x: UnsafeMutablePointer<Float>, batch: Int, tokens: Int, heads: Int, headDim: Int,
    rowStride: Int, eps: Float, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    cos: UnsafePointer<Float>, sin: UnsafePointer<Float>
) {
    let address = Int(bitPattern: x)
    let dim = heads * headDim
    let half = headDim / 2
    Threads.parallelFor(batch * tokens, grain: 16) { range in
        let x = UnsafeMutablePointer<Float>(bitPattern: address)!
        for r in range {
            let row = x + r * rowStride
            for i in 0..<dim { row[i] += bias[i] }
            let inv = 1 / (sumOfSquares(row, count: dim) / Float(dim) + eps).squareRoot()
            let l = r % tokens
            let c = cos + l * half
            let s = sin + l * half
            for h in 0..<heads {
                let v = row + h * headDim
                let w = weight + h * headDim
                for i in 0..<half {
                    let x1 = v[2 * i] * inv * w[2 * i]
                    let x2 = v[2 * i + 1] * inv * w[2 * i + 1]
                    v[2 * i] = x1 * c[i] - x2 * s[i]
                    v[2 * i + 1] = x1 * s[i] + x2 * c[i]
                }
            }
        }
    }
}

/// Σ x² over `count` floats, with four vector accumulators (see `rowSum`).
@inline(__always)
func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var a0 = SIMD4<Float>(), a1 = SIMD4<Float>(), a2 = SIMD4<Float>(), a3 = SIMD4<Float>()
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i + 16 <= count {
        let v0 = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD4<Float>.self)
        let v1 = raw.loadUnaligned(fromByteOffset: 4 * (i + 4), as: SIMD4<Float>.self)
        let v2 = raw.loadUnaligned(fromByteOffset: 4 * (i + 8), as: SIMD4<Float>.self)
        let v3 = raw.loadUnaligned(fromByteOffset: 4 * (i + 12), as: SIMD4<Float>.self)
        a0 += v0 * v0
        a1 += v1 * v1
        a2 += v2 * v2
        a3 += v3 * v3
        i += 16
    }
    var total = ((a0 + a1) + (a2 + a3)).sum()
    while i < count {
        total += x[i] * x[i]
        i += 1
    }
    return total
}
