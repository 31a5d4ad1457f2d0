// Layer norm and RMS norm over the last dimension.

/// AdaLN modulation applied right after a norm: y ← y · (1 + scale) + shift, as Wan's
/// `norm1(hidden_states) * (1 + scale_msa) + shift_msa`.
///
/// `scale` and `shift` point to (groups, dim) rows `stride` elements apart: group g serves rows
/// g·rowsPerGroup ..< (g+1)·rowsPerGroup of the normalised tensor (one group per sample, so
/// rows of a packed (B, 6, dim) table can be used directly).
public struct NormModulation {
    public var scale: UnsafePointer<Float>
    public var shift: UnsafePointer<Float>
    public var stride: Int
    public var rowsPerGroup: Int
    public init(scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, stride: Int, rowsPerGroup: Int) {
        self.scale = scale
        self.shift = shift
        self.stride = stride
        self.rowsPerGroup = rowsPerGroup
    }
}

/// Layer normalisation as `torch.nn.functional.layer_norm` over the last dimension:
/// y = (x − mean) / sqrt(var + eps) · weight + bias, biased variance, statistics in fp32
/// (two passes, so large means do not cancel), then `modulation` when given.
///
/// x and y are (rows, dim) row-major and may be the same buffer; weight and bias are (dim)
/// or nil (no elementwise affine, as diffusers' `FP32LayerNorm(elementwise_affine=False)`).
public func layerNorm(
    _ x: UnsafePointer<Float>, rows: Int, dim: Int,
    weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float,
    modulation: NormModulation? = nil,
    into y: UnsafeMutablePointer<Float>
) {
    if rows == 0 || dim == 0 { return }
    Threads.parallelFor(rows, grain: max(1, 16_384 / dim)) { range in
        for r in range {
            let xr = x + r * dim, yr = y + r * dim
            let mean = vectorSum(xr, dim) / Float(dim)
            var acc = SIMD16<Float>()
            var i = 0
            let m16 = SIMD16<Float>(repeating: mean)
            while i + 16 <= dim {
                let d = load16(xr + i) - m16
                acc += d * d
                i += 16
            }
            var variance = acc.sum()
            while i < dim {
                let d = xr[i] - mean
                variance += d * d
                i += 1
            }
            variance /= Float(dim)
            let inv = 1 / (variance + eps).squareRoot()
            normalizeRow(xr, yr, dim, shift: mean, scale: inv)
            switch (weight, bias) {
            case let (w?, b?):
                for j in 0..<dim { yr[j] = yr[j] * w[j] + b[j] }
            case let (w?, nil):
                for j in 0..<dim { yr[j] *= w[j] }
            case let (nil, b?):
                for j in 0..<dim { yr[j] += b[j] }
            case (nil, nil):
                break
            }
            if let m = modulation {
                let g = r / m.rowsPerGroup
                modulateRow(yr, dim, scale: m.scale + g * m.stride, shift: m.shift + g * m.stride)
            }
        }
    }
}

/// Rotary embedding applied right after an RMS norm (see `applyRotaryEmbedding`): rows are
/// tokens of `tokens`-long sequences (row r is token r mod `tokens`), each `dim / headDim`
/// heads wide; `cos` and `sin` are (tokens, headDim / 2).
public struct NormRotary {
    public var cos: UnsafePointer<Float>
    public var sin: UnsafePointer<Float>
    public var tokens: Int
    public var headDim: Int
    public init(cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, tokens: Int, headDim: Int) {
        self.cos = cos
        self.sin = sin
        self.tokens = tokens
        self.headDim = headDim
    }
}

/// RMS normalisation over the last dimension, as diffusers' `RMSNorm` and Wan's
/// `norm_q`/`norm_k` (`rms_norm_across_heads`): y = x / sqrt(mean(x²) + eps) · weight.
///
/// x and y are (rows, dim), row r at `r · rowStride` (default `dim`), and may be the same
/// buffer; weight is (dim) or nil. With `bias` (dim), the bias of the projection that produced
/// x, the norm is of x + bias; with `rotary`, Wan's rotary embedding follows (Wan's self-attention
/// queries and keys, normalised and rotated in one pass over each row).
public func rmsNorm(
    _ x: UnsafePointer<Float>, rows: Int, dim: Int,
    weight: UnsafePointer<Float>?, eps: Float,
    bias: UnsafePointer<Float>? = nil, rowStride: Int? = nil, rotary: NormRotary? = nil,
    into y: UnsafeMutablePointer<Float>
) {
    if rows == 0 || dim == 0 { return }
    let rowStride = rowStride ?? dim
    Threads.parallelFor(rows, grain: max(1, 16_384 / dim)) { range in
        for r in range {
            var xr = x + r * rowStride
            let yr = y + r * rowStride
            if let bias {
                if isSameBuffer(xr, yr) {
                    for j in 0..<dim { yr[j] += bias[j] }
                } else {
                    for j in 0..<dim { yr[j] = xr[j] + bias[j] }
                }
                xr = UnsafePointer(yr)
            }
            let inv = 1 / (vectorSumOfSquares(xr, dim) / Float(dim) + eps).squareRoot()
            if let w = weight {
                if isSameBuffer(xr, yr) {
                    for j in 0..<dim { yr[j] = yr[j] * inv * w[j] }
                } else {
                    for j in 0..<dim { yr[j] = xr[j] * inv * w[j] }
                }
            } else {
                normalizeRow(xr, yr, dim, shift: 0, scale: inv)
            }
            if let rotary {
                let l = r % rotary.tokens, half = rotary.headDim / 2
                rotateHeads(yr, heads: dim / rotary.headDim, headDim: rotary.headDim,
                            cos: rotary.cos + l * half, sin: rotary.sin + l * half)
            }
        }
    }
}

/// y = (x − shift) · scale over one row; x and y may be the same buffer (own loop, so that
/// both cases vectorise: see `isSameBuffer`).
@inlinable @inline(__always)
func normalizeRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ dim: Int, shift: Float, scale: Float) {
    if isSameBuffer(x, y) {
        for j in 0..<dim { y[j] = (y[j] - shift) * scale }
    } else {
        for j in 0..<dim { y[j] = (x[j] - shift) * scale }
    }
}

// MARK: - Tensor forms

/// Layer norm over the last dimension of `x`; weight/bias of shape (dim) or nil.
public func layerNorm(_ x: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, eps: Float) -> Tensor {
    let dim = x.dim(-1)
    if let weight { precondition(weight.shape == [dim], "layerNorm: weight \(weight.shape), expected [\(dim)]") }
    if let bias { precondition(bias.shape == [dim], "layerNorm: bias \(bias.shape), expected [\(dim)]") }
    var y = Tensor(zeros: x.shape)
    x.withUnsafeBufferPointer { xs in
        y.withUnsafeMutableBufferPointer { ys in
            withOptionalPointer(weight) { w in
                withOptionalPointer(bias) { b in
                    layerNorm(xs.baseAddress!, rows: x.count / max(dim, 1), dim: dim, weight: w, bias: b,
                              eps: eps, into: ys.baseAddress!)
                }
            }
        }
    }
    return y
}

/// RMS norm over the last dimension of `x`; weight of shape (dim) or nil.
public func rmsNorm(_ x: Tensor, weight: Tensor? = nil, eps: Float) -> Tensor {
    let dim = x.dim(-1)
    if let weight { precondition(weight.shape == [dim], "rmsNorm: weight \(weight.shape), expected [\(dim)]") }
    var y = Tensor(zeros: x.shape)
    x.withUnsafeBufferPointer { xs in
        y.withUnsafeMutableBufferPointer { ys in
            withOptionalPointer(weight) { w in
                rmsNorm(xs.baseAddress!, rows: x.count / max(dim, 1), dim: dim, weight: w, eps: eps,
                        into: ys.baseAddress!)
            }
        }
    }
    return y
}

/// Calls `body` with the tensor's element pointer, or nil.
@inlinable
func withOptionalPointer<R>(_ t: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let t else { return body(nil) }
    return t.withUnsafeBufferPointer { body($0.baseAddress) }
}
