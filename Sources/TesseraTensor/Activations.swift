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
            // tanh(u) = 1 − 2 / (e^{2u} + 1): fastExp's inf and 0 at the ends give ±1.
            @inline(__always) func geluTanh(_ v: Float) -> Float {
                let u = 0.7978845608028654 * (v + 0.044715 * v * v * v)
                return 0.5 * v * (2 - 2 / (fastExp(2 * u) + 1))
            }
            if isSameBuffer(xs, ys) {
                for i in 0..<range.count { ys[i] = geluTanh(ys[i]) }
            } else {
                for i in 0..<range.count { ys[i] = geluTanh(xs[i]) }
            }
        case .erf:
            @inline(__always) func geluErf(_ v: Float) -> Float {
                0.5 * v * (1 + fastErf(v * 0.70710678118654752))
            }
            if isSameBuffer(xs, ys) {
                for i in 0..<range.count { ys[i] = geluErf(ys[i]) }
            } else {
                for i in 0..<range.count { ys[i] = geluErf(xs[i]) }
            }
        }
    }
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
