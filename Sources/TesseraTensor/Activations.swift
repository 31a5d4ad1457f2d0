// Pointwise activations: GELU (tanh approximation and exact erf form) and SiLU.

/// Which GELU: `tanh` is PyTorch's `approximate="tanh"` (diffusers' "gelu-approximate", Wan's
/// feed-forward); `erf` is the exact form (BERT's "gelu").
public enum GELUApproximation: Sendable {
    case tanh
    case erf
}

/// GELU over `count` floats; x and y may be the same buffer.
/// tanh: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))); erf: 0.5·x·(1 + erf(x/√2)) with
/// `fastErf` (absolute error ≤ 5e-7 in erf, so ≤ 2.5e-7·|x| in the result).
public func gelu(
    _ x: UnsafePointer<Float>, count: Int, approximation: GELUApproximation,
    into y: UnsafeMutablePointer<Float>
) {
    Threads.parallelFor(count, grain: 1 << 15) { range in
        let xs = x + range.lowerBound, ys = y + range.lowerBound
        switch approximation {
        case .tanh:
            if isSameBuffer(xs, ys) {
                for i in 0..<range.count { ys[i] = geluTanh(ys[i]) }
            } else {
                for i in 0..<range.count { ys[i] = geluTanh(xs[i]) }
            }
        case .erf:
            if isSameBuffer(xs, ys) {
                for i in 0..<range.count { ys[i] = geluErf(ys[i]) }
            } else {
                for i in 0..<range.count { ys[i] = geluErf(xs[i]) }
            }
        }
    }
}

/// x ← gelu(x + bias) over (rows, width) floats in place, `bias` (width) being the bias of the
/// linear layer that produced x (one pass instead of a bias pass and a GELU pass).
public func gelu(
    _ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>,
    approximation: GELUApproximation
) {
    Threads.parallelFor(rows, grain: max(1, (1 << 14) / max(width, 1))) { range in
        for r in range {
            let row = x + r * width
            switch approximation {
            case .tanh: for i in 0..<width { row[i] = geluTanh(row[i] + bias[i]) }
            case .erf: for i in 0..<width { row[i] = geluErf(row[i] + bias[i]) }
            }
        }
    }
}

/// GELU, tanh approximation: 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³), written as
/// x·σ(2u) = x / (1 + e^(−2u)): one division and no select, so loops over it vectorise well
/// (3-4x faster than the 1 − 2/(e^(2u) + 1) form on Wan's feed-forward activations). fastExp's
/// +inf and 0 at the ends give −0 and x.
@inline(__always)
func geluTanh(_ x: Float) -> Float {
    let u = 0.797_884_560_802_865_4 * (x + 0.044_715 * x * x * x)
    return x / (1 + fastExp(-2 * u))
}

/// GELU, exact form with `fastErf`: 0.5·x·(1 + erf(x/√2)).
@inline(__always)
func geluErf(_ x: Float) -> Float {
    0.5 * x * (1 + fastErf(x * 0.70710678118654752))
}

/// SiLU (swish) over `count` floats: y = x · sigmoid(x) = x / (1 + e^{−x}); x and y may alias.
public func silu(_ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>) {
    Threads.parallelFor(count, grain: 1 << 15) { range in
        if isSameBuffer(x, y) {
            for i in range { y[i] = y[i] / (1 + fastExp(-y[i])) }
        } else {
            for i in range { y[i] = x[i] / (1 + fastExp(-x[i])) }
        }
    }
}

// MARK: - Tensor forms

public func gelu(_ x: Tensor, approximation: GELUApproximation) -> Tensor {
    var y = Tensor(zeros: x.shape)
    x.withUnsafeBufferPointer { xs in
        y.withUnsafeMutableBufferPointer { ys in
            gelu(xs.baseAddress!, count: x.count, approximation: approximation, into: ys.baseAddress!)
        }
    }
    return y
}

public func silu(_ x: Tensor) -> Tensor {
    var y = Tensor(zeros: x.shape)
    x.withUnsafeBufferPointer { xs in
        y.withUnsafeMutableBufferPointer { ys in
            silu(xs.baseAddress!, count: x.count, into: ys.baseAddress!)
        }
    }
    return y
}
