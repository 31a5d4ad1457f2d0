// Elementwise helpers of the transformer blocks: sums, products, AdaLN modulation, gated residuals.

/// y = a + b over `count` floats; y may alias a or b.
public func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>) {
    Threads.parallelFor(count, grain: 1 << 16) { range in
        if isSameBuffer(a, y) {
            for i in range { y[i] += b[i] }
        } else if isSameBuffer(b, y) {
            for i in range { y[i] += a[i] }
        } else {
            for i in range { y[i] = a[i] + b[i] }
        }
    }
}

/// y = a · b over `count` floats; y may alias a or b.
public func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>) {
    Threads.parallelFor(count, grain: 1 << 16) { range in
        if isSameBuffer(a, y) {
            for i in range { y[i] *= b[i] }
        } else if isSameBuffer(b, y) {
            for i in range { y[i] *= a[i] }
        } else {
            for i in range { y[i] = a[i] * b[i] }
        }
    }
}

/// x = x · s over `count` floats, in place.
public func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by s: Float) {
    Threads.parallelFor(count, grain: 1 << 16) { range in
        for i in range { x[i] *= s }
    }
}

/// x[r, :] += bias over (rows, dim), in place.
public func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, dim: Int, bias: UnsafePointer<Float>) {
    Threads.parallelFor(rows, grain: max(1, 16_384 / max(dim, 1))) { range in
        for r in range {
            let row = x + r * dim
            for j in 0..<dim { row[j] += bias[j] }
        }
    }
}

/// AdaLN modulation, in place: x = x · (1 + scale) + shift, as Wan's
/// `norm1(hidden_states) * (1 + scale_msa) + shift_msa` (`layerNorm(modulation:)` fuses it
/// with the norm).
///
/// x is (batch, length, dim); scale and shift are (batch, dim), broadcast over length
/// (pass `perTokenStride: dim` with (batch, length, dim) tables for per-token modulation).
/// `scaleStride`/`shiftStride` are the distance between batches in the tables (elements),
/// so rows of a packed (batch, 6, dim) table can be used directly.
public func modulate(
    _ x: UnsafeMutablePointer<Float>, batch: Int, length: Int, dim: Int,
    scale: UnsafePointer<Float>, scaleStride: Int, shift: UnsafePointer<Float>, shiftStride: Int,
    perTokenStride: Int = 0
) {
    Threads.parallelFor(batch * length, grain: max(1, 16_384 / max(dim, 1))) { range in
        for row in range {
            let b = row / length, l = row % length
            modulateRow(x + row * dim, dim, scale: scale + b * scaleStride + l * perTokenStride,
                        shift: shift + b * shiftStride + l * perTokenStride)
        }
    }
}

/// v = v · (1 + scale) + shift over one row of `dim` values.
@inline(__always)
func modulateRow(_ v: UnsafeMutablePointer<Float>, _ dim: Int, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>) {
    for j in 0..<dim { v[j] = v[j] * (1 + scale[j]) + shift[j] }
}

/// Residual update, in place: residual = residual + (x + bias) · gate, as Wan's
/// `hidden_states + attn_output * gate_msa`, `bias` (dim) being the bias of the projection
/// that produced x (added here rather than after its GEMM). Without `gate`:
/// residual + x + bias; without `bias`: residual + x · gate.
///
/// residual and x are (batch, length, dim); gate is (batch, dim) with `gateStride` between
/// batches, broadcast over length (or per token with `perTokenStride: dim`).
public func addResidual(
    _ residual: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
    batch: Int, length: Int, dim: Int, bias: UnsafePointer<Float>? = nil,
    gate: UnsafePointer<Float>? = nil, gateStride: Int = 0, perTokenStride: Int = 0
) {
    Threads.parallelFor(batch * length, grain: max(1, 16_384 / max(dim, 1))) { range in
        for row in range {
            let r = residual + row * dim, v = x + row * dim
            let g = gate.map { $0 + (row / length) * gateStride + (row % length) * perTokenStride }
            switch (bias, g) {
            case let (b?, g?): for j in 0..<dim { r[j] += (v[j] + b[j]) * g[j] }
            case let (b?, nil): for j in 0..<dim { r[j] += v[j] + b[j] }
            case let (nil, g?): for j in 0..<dim { r[j] += v[j] * g[j] }
            case (nil, nil): for j in 0..<dim { r[j] += v[j] }
            }
        }
    }
}
