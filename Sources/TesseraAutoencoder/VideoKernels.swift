// Elementwise and layout kernels of the Wan VAE over NCTHW video tensors: the channel RMS
// norm fused with SiLU, nearest 2x upsampling, frame slicing and concatenation. The
// convolutions are `conv3dForward` (Sources/TesseraTensor/Conv3D.swift).

import TesseraTensor

// MARK: - Allocation

extension Tensor {
    /// A tensor whose elements the caller overwrites entirely (no zero fill).
    @inline(__always)
    static func uninitialized(_ shape: [Int]) -> Tensor {
        let count = Tensor.count(of: shape)
        let data = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        return Tensor(shape: shape, data: data)
    }
}

// MARK: - Channel RMS norm (+ SiLU)

/// `WanRMS_norm` over the channel dimension, optionally followed by SiLU:
/// y = x / max(‖x‖₂ over C, 1e-12) · √C · γ  (`F.normalize(x, dim=1) * scale * gamma`).
///
/// x and y are (B, C, S) with S = T·H·W (or H·W), row-major; gamma is (C). y may equal x.
func channelRMSNorm(
    _ x: UnsafePointer<Float>, batch: Int, channels: Int, spatial: Int,
    gamma: UnsafePointer<Float>, silu: Bool, into y: UnsafeMutablePointer<Float>
) {
    let scale = Float(channels).squareRoot()
    // Columns are independent: split them into cache-sized blocks across threads.
    let block = 1024
    let blocksPerBatch = (spatial + block - 1) / block
    Threads.parallelFor(batch * blocksPerBatch, scratch: block) { range, inverse in
        for item in range {
            let b = item / blocksPerBatch
            let s0 = (item % blocksPerBatch) * block
            let n = min(block, spatial - s0)
            let xb = x + b * channels * spatial + s0
            let yb = y + b * channels * spatial + s0
            inverse.update(repeating: 0, count: n)
            for c in 0..<channels {
                let row = xb + c * spatial
                for i in 0..<n { inverse[i] += row[i] * row[i] }
            }
            for i in 0..<n { inverse[i] = scale / max(inverse[i].squareRoot(), 1e-12) }
            for c in 0..<channels {
                let row = xb + c * spatial, out = yb + c * spatial
                let g = gamma[c]
                if silu {
                    for i in 0..<n {
                        let v = row[i] * inverse[i] * g
                        out[i] = v / (1 + fastExp(-v))
                    }
                } else {
                    for i in 0..<n { out[i] = row[i] * inverse[i] * g }
                }
            }
        }
    }
}

// MARK: - Nearest upsampling

/// `nn.Upsample(scale_factor=2, mode="nearest-exact")` on planes: for an integer factor 2,
/// output pixel (y, x) reads input (y / 2, x / 2).
///
/// x is (P, H, W) (P planes: every batch, channel and frame), y is (P, 2H, 2W).
func upsampleNearest2x(
    _ x: UnsafePointer<Float>, planes: Int, height: Int, width: Int, into y: UnsafeMutablePointer<Float>
) {
    let outW = 2 * width
    Threads.parallelFor(planes * height, grain: 16) { range in
        for row in range {
            let src = x + row * width
            let dst = y + row * 2 * outW
            for i in 0..<width {
                let v = src[i]
                dst[2 * i] = v
                dst[2 * i + 1] = v
            }
            (dst + outW).update(from: dst, count: outW)
        }
    }
}

// MARK: - Frames

extension Tensor {
    /// Frames `range` of a (B, C, T, H, W) tensor: `x[:, :, range]`.
    func sliceFrames(_ range: Range<Int>) -> Tensor {
        let (b, c, t, h, w) = (shape[0], shape[1], shape[2], shape[3], shape[4])
        if range == 0..<t { return self }
        let plane = h * w, n = range.count
        var out = Tensor.uninitialized([b, c, n, h, w])
        withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for bc in 0..<(b * c) {
                    (dst.baseAddress! + bc * n * plane).update(
                        from: src.baseAddress! + (bc * t + range.lowerBound) * plane, count: n * plane)
                }
            }
        }
        return out
    }

    /// The last `count` frames (all of them when there are fewer): `x[:, :, -count:]`.
    func lastFrames(_ count: Int) -> Tensor {
        let t = shape[2]
        return sliceFrames(max(0, t - count)..<t)
    }

    /// `torch.cat([a, b], dim=2)` for (B, C, T, H, W) tensors of equal B, C, H, W.
    static func concatFrames(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.shape[0] == b.shape[0] && a.shape[1] == b.shape[1]
                     && a.shape[3] == b.shape[3] && a.shape[4] == b.shape[4],
                     "concatFrames: \(a.shape) and \(b.shape)")
        let (bs, c, ta, tb) = (a.shape[0], a.shape[1], a.shape[2], b.shape[2])
        let plane = a.shape[3] * a.shape[4]
        var out = Tensor.uninitialized([bs, c, ta + tb, a.shape[3], a.shape[4]])
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { dst in
                    for bc in 0..<(bs * c) {
                        let d = dst.baseAddress! + bc * (ta + tb) * plane
                        d.update(from: pa.baseAddress! + bc * ta * plane, count: ta * plane)
                        (d + ta * plane).update(from: pb.baseAddress! + bc * tb * plane, count: tb * plane)
                    }
                }
            }
        }
        return out
    }

    /// self += rhs, elementwise, for tensors of the same shape (in place: no copy when `self`
    /// holds the only reference to its elements).
    mutating func add(_ rhs: Tensor) {
        precondition(shape == rhs.shape, "add: \(shape) and \(rhs.shape)")
        withUnsafeMutableBufferPointer { o in
            rhs.withUnsafeBufferPointer { r in
                let n = o.count
                for i in 0..<n { o[i] += r[i] }
            }
        }
    }
}
