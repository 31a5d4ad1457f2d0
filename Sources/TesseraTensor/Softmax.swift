// Softmax over the last dimension.

/// Numerically stable softmax over the last dimension: y = exp(x − max) / Σ exp(x − max).
/// x and y are (rows, dim) row-major and may be the same buffer. A row of all −inf gives zeros
/// (PyTorch gives NaN; a fully masked row carries no information either way).
public func softmax(_ x: UnsafePointer<Float>, rows: Int, dim: Int, into y: UnsafeMutablePointer<Float>) {
    if rows == 0 || dim == 0 { return }
    Threads.parallelFor(rows, grain: max(1, 8_192 / dim)) { range in
        for r in range {
            softmaxRow(x + r * dim, y + r * dim, dim)
        }
    }
}

/// One row of `softmax`.
@inlinable
func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ dim: Int) {
    let rowMax = vectorMax(x, dim)
    if rowMax == -.infinity {
        y.update(repeating: 0, count: dim)
        return
    }
    expShifted(x, y, dim, shift: rowMax)
    let inv = 1 / vectorSum(y, dim)
    for j in 0..<dim { y[j] *= inv }
}

/// Tensor form: softmax over the last dimension.
public func softmax(_ x: Tensor) -> Tensor {
    var y = Tensor(zeros: x.shape)
    let dim = x.dim(-1)
    x.withUnsafeBufferPointer { xs in
        y.withUnsafeMutableBufferPointer { ys in
            softmax(xs.baseAddress!, rows: x.count / max(dim, 1), dim: dim, into: ys.baseAddress!)
        }
    }
    return y
}
