// Fully connected layer in PyTorch's weight layout, through sgemm.

/// y = x · Wᵀ + b, as `torch.nn.functional.linear`.
///
/// x is (rows, inFeatures) — any leading dimensions flattened into `rows` — row-major;
/// weight is (outFeatures, inFeatures) (PyTorch layout); bias is (outFeatures) or nil;
/// y is (rows, outFeatures). `y` must not alias `x`.
public func linear(
    _ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outFeatures: Int,
    into y: UnsafeMutablePointer<Float>
) {
    if rows == 0 || outFeatures == 0 { return }
    if let bias {
        for r in 0..<rows { (y + r * outFeatures).update(from: bias, count: outFeatures) }
    }
    BLAS.sgemm(
        transA: .none, transB: .transpose, m: rows, n: outFeatures, k: inFeatures,
        alpha: 1, a: x, lda: inFeatures, b: weight, ldb: inFeatures,
        beta: bias == nil ? 0 : 1, c: y, ldc: outFeatures)
}

/// Tensor form: x (..., in) · weight (out, in)ᵀ + bias (out) → (..., out).
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    precondition(weight.rank == 2, "linear: weight must be (out, in), got \(weight.shape)")
    let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
    precondition(x.rank >= 1 && x.dim(-1) == inFeatures,
                 "linear: input \(x.shape) does not end in \(inFeatures)")
    if let bias { precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape), expected [\(outFeatures)]") }
    let rows = x.count / max(inFeatures, 1)
    var outShape = x.shape
    outShape[outShape.count - 1] = outFeatures
    var y = Tensor(zeros: outShape)
    x.withUnsafeBufferPointer { xs in
        weight.withUnsafeBufferPointer { ws in
            y.withUnsafeMutableBufferPointer { ys in
                if let bias {
                    bias.withUnsafeBufferPointer { bs in
                        linear(xs.baseAddress!, rows: rows, inFeatures: inFeatures, weight: ws.baseAddress!,
                               bias: bs.baseAddress!, outFeatures: outFeatures, into: ys.baseAddress!)
                    }
                } else {
                    linear(xs.baseAddress!, rows: rows, inFeatures: inFeatures, weight: ws.baseAddress!,
                           bias: nil, outFeatures: outFeatures, into: ys.baseAddress!)
                }
            }
        }
    }
    return y
}

/// Tensor form of GEMM: a (m, k) · b (k, n) → (m, n), either operand optionally transposed
/// (then stored (k, m) or (n, k)).
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul: rank-2 operands expected, got \(a.shape) and \(b.shape)")
    let m = transposeA ? a.shape[1] : a.shape[0]
    let k = transposeA ? a.shape[0] : a.shape[1]
    let kb = transposeB ? b.shape[1] : b.shape[0]
    let n = transposeB ? b.shape[0] : b.shape[1]
    precondition(k == kb, "matmul: inner dimensions differ (\(a.shape) · \(b.shape))")
    var c = Tensor(zeros: [m, n])
    a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
                BLAS.sgemm(transA: transposeA ? .transpose : .none, transB: transposeB ? .transpose : .none,
                           m: m, n: n, k: k, a: ap.baseAddress!, lda: a.shape[1],
                           b: bp.baseAddress!, ldb: b.shape[1], c: cp.baseAddress!, ldc: n)
            }
        }
    }
    return c
}
