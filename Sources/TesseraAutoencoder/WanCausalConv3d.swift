// Port of diffusers 0.42.1 `WanCausalConv3d` (diffusers/models/autoencoders/autoencoder_kl_wan.py):
// an `nn.Conv3d` whose time padding is causal (2·p frames on the left, none on the right) and
// whose left padding can come from the previous chunk's last frames (`cache_x`).

import TesseraTensor
import TesseraWeights

/// A causal 3D convolution with its weights packed for `conv3dForward`.
/// Checkpoint keys: `weight` (Cout, Cin, kt, kh, kw), `bias` (Cout).
struct WanCausalConv3d {
    let geometry: Conv3DGeometry
    /// (Cout, kt·Cin·kh·kw) in the layout `conv3dPackWeight` chooses for `geometry`.
    let packed: [Float]
    let bias: [Float]

    /// `WanCausalConv3d(inChannels, outChannels, kernel, stride, padding)`.
    init(
        _ weights: some WeightSource, inChannels: Int, outChannels: Int,
        kernel: (t: Int, h: Int, w: Int), stride: (t: Int, h: Int, w: Int) = (1, 1, 1),
        padding: (t: Int, h: Int, w: Int) = (0, 0, 0)
    ) throws {
        let geometry = Conv3DGeometry.causal(
            inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride, padding: padding)
        let weight = try weights.take("weight", shape: [outChannels, inChannels, kernel.t, kernel.h, kernel.w])
        try self.init(geometry: geometry, weight: weight, bias: weights.take("bias", shape: [outChannels]))
    }

    /// A convolution of the given geometry from a PyTorch weight (Cout, Cin, kt, kh, kw) or,
    /// for kt = 1, an `nn.Conv2d` weight (Cout, Cin, kh, kw): same memory layout.
    init(geometry: Conv3DGeometry, weight: Tensor, bias: Tensor) throws {
        self.geometry = geometry
        var packed = [Float](repeating: 0, count: geometry.outChannels * geometry.packedDepth)
        weight.withUnsafeBufferPointer { w in
            packed.withUnsafeMutableBufferPointer { p in
                conv3dPackWeight(w.baseAddress!, geometry: geometry, into: p.baseAddress!)
            }
        }
        self.packed = packed
        self.bias = bias.data
    }

    // MARK: - Forward

    /// `forward(x, cache_x)`: x (B, Cin, T, H, W), cache (B, Cin, Tc ≤ 2p, H, W) or nil
    /// → (B, Cout, T', H', W').
    func callAsFunction(_ x: Tensor, cache: Tensor? = nil) -> Tensor {
        precondition(x.rank == 5 && x.shape[1] == geometry.inChannels, "conv3d input \(x.shape), geometry \(geometry)")
        let (b, t, h, w) = (x.shape[0], x.shape[2], x.shape[3], x.shape[4])
        let cacheFrames = cache?.shape[2] ?? 0
        if let cache { precondition(cache.shape[0] == b && cache.shape[1] == geometry.inChannels && cache.shape[3] == h && cache.shape[4] == w) }
        let size = geometry.outputSize(frames: t, height: h, width: w, cacheFrames: cacheFrames)
        var out = Tensor.uninitialized([b, geometry.outChannels, size.t, size.h, size.w])
        x.withUnsafeBufferPointer { xs in
            packed.withUnsafeBufferPointer { a in
                bias.withUnsafeBufferPointer { bi in
                    out.withUnsafeMutableBufferPointer { o in
                        withOptionalElements(cache) { c in
                            conv3dForward(
                                input: xs.baseAddress!, batch: b, frames: t, height: h, width: w,
                                cache: c, cacheFrames: cacheFrames, packed: a.baseAddress!,
                                bias: bi.baseAddress!, geometry: geometry, output: o.baseAddress!)
                        }
                    }
                }
            }
        }
        return out
    }

    /// The causal step every cached convolution of the Wan VAE repeats:
    ///
    ///     cache_x = x[:, :, -CACHE_T:]
    ///     if cache_x.shape[2] < 2 and feat_cache[idx] is not None:
    ///         cache_x = cat([feat_cache[idx][:, :, -1:], cache_x])
    ///     x = conv(x, feat_cache[idx]); feat_cache[idx] = cache_x; feat_idx += 1
    ///
    /// Without a cache (`cache == nil`) this is a plain causal convolution.
    func callAsFunction(_ x: Tensor, cache: WanFeatureCache?) -> Tensor {
        guard let cache else { return self(x, cache: nil as Tensor?) }
        let previous = cache.current
        var next = x.lastFrames(WanFeatureCache.frames)
        if next.shape[2] < WanFeatureCache.frames, case .frames(let old)? = previous {
            next = Tensor.concatFrames(old.lastFrames(1), next)
        }
        let out: Tensor
        if case .frames(let old)? = previous { out = self(x, cache: old) } else { out = self(x, cache: nil as Tensor?) }
        cache.advance(storing: .frames(next))
        return out
    }
}

/// Calls `body` with the tensor's element pointer, or with nil when there is no tensor.
@inline(__always)
func withOptionalElements<R>(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    if let tensor { return tensor.withUnsafeBufferPointer { body($0.baseAddress!) } }
    return body(nil)
}
