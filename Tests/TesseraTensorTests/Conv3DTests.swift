// The fast causal 3D convolution (Sources/TesseraTensor/Conv3D.swift) against its slow,
// obvious twin below, which follows diffusers 0.42.1 `WanCausalConv3d.forward` literally:
// concatenate the cache before the input, pad the remaining time padding with zero frames on
// the left, pad height and width with zeros, then a direct 7-loop convolution with the
// PyTorch weight layout (Cout, Cin, kt, kh, kw).

import TesseraTensor
import XCTest

final class Conv3DTests: XCTestCase {

    // MARK: - Slow twin

    /// input (B, Cin, T, H, W); cache (B, Cin, Tc, H, W); weight (Cout, Cin, kt, kh, kw).
    static func naiveConv3d(
        input: [Float], batch: Int, frames: Int, height: Int, width: Int,
        cache: [Float]?, cacheFrames: Int, weight: [Float], bias: [Float]?, geometry g: Conv3DGeometry
    ) -> (values: [Float], t: Int, h: Int, w: Int) {
        let cin = g.inChannels, cout = g.outChannels
        // diffusers: if cache_x is not None and padding[4] > 0: x = cat([cache_x, x]); padding[4] -= Tc
        let useCache = cache != nil && g.timePadding > 0
        let tc = useCache ? cacheFrames : 0
        let front = g.timePadding - tc
        precondition(front >= 0)
        let tp = front + tc + frames
        let hp = height + g.padTop + g.padBottom, wp = width + g.padLeft + g.padRight
        var padded = [Float](repeating: 0, count: batch * cin * tp * hp * wp)
        for b in 0..<batch {
            for ci in 0..<cin {
                for t in 0..<(tc + frames) {
                    for y in 0..<height {
                        for x in 0..<width {
                            let v: Float = t < tc
                                ? cache![(((b * cin + ci) * cacheFrames + t) * height + y) * width + x]
                                : input[(((b * cin + ci) * frames + (t - tc)) * height + y) * width + x]
                            padded[(((b * cin + ci) * tp + front + t) * hp + y + g.padTop) * wp + x + g.padLeft] = v
                        }
                    }
                }
            }
        }
        let ot = (tp - g.kernelT) / g.strideT + 1
        let oh = (hp - g.kernelH) / g.strideH + 1
        let ow = (wp - g.kernelW) / g.strideW + 1
        var out = [Float](repeating: 0, count: batch * cout * ot * oh * ow)
        for b in 0..<batch {
            for co in 0..<cout {
                for t in 0..<ot {
                    for y in 0..<oh {
                        for x in 0..<ow {
                            var acc = Double(bias?[co] ?? 0)
                            for ci in 0..<cin {
                                for kt in 0..<g.kernelT {
                                    for kh in 0..<g.kernelH {
                                        for kw in 0..<g.kernelW {
                                            let w = weight[(((co * cin + ci) * g.kernelT + kt) * g.kernelH + kh) * g.kernelW + kw]
                                            let v = padded[(((b * cin + ci) * tp + t * g.strideT + kt) * hp + y * g.strideH + kh) * wp + x * g.strideW + kw]
                                            acc += Double(w) * Double(v)
                                        }
                                    }
                                }
                            }
                            out[(((b * cout + co) * ot + t) * oh + y) * ow + x] = Float(acc)
                        }
                    }
                }
            }
        }
        return (out, ot, oh, ow)
    }

    // MARK: - Helpers

    struct Lcg {
        var state: UInt64
        mutating func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int32(truncatingIfNeeded: state >> 33)) / Float(Int32.max)
        }
        mutating func array(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
    }

    func check(
        _ g: Conv3DGeometry, batch: Int = 1, frames: Int, height: Int, width: Int,
        cacheFrames: Int = 0, bias: Bool = true, seed: UInt64 = 1,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        var rng = Lcg(state: seed)
        let input = rng.array(batch * g.inChannels * frames * height * width)
        let cache = cacheFrames > 0 ? rng.array(batch * g.inChannels * cacheFrames * height * width) : nil
        let weight = rng.array(g.outChannels * g.packedDepth)
        let biasValues = bias ? rng.array(g.outChannels) : nil
        let expected = Self.naiveConv3d(
            input: input, batch: batch, frames: frames, height: height, width: width,
            cache: cache, cacheFrames: cacheFrames, weight: weight, bias: biasValues, geometry: g)
        let size = g.outputSize(frames: frames, height: height, width: width,
                                cacheFrames: cache == nil ? 0 : cacheFrames)
        XCTAssertEqual([size.t, size.h, size.w], [expected.t, expected.h, expected.w],
                       "output size", file: file, line: line)
        var packed = [Float](repeating: 0, count: weight.count)
        weight.withUnsafeBufferPointer { w in
            packed.withUnsafeMutableBufferPointer { conv3dPackWeight(w.baseAddress!, geometry: g, into: $0.baseAddress!) }
        }
        // Plain pointers keep the call readable; freed below.
        func copy(_ a: [Float]) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, a.count))
            p.initialize(from: a, count: a.count)
            return p
        }
        let x = copy(input), a = copy(packed)
        let c = cache.map(copy), bi = biasValues.map(copy)
        let out = copy([Float](repeating: .nan, count: expected.values.count))
        defer { for p in [x, a, c, bi, out] { p?.deallocate() } }
        conv3dForward(
            input: x, batch: batch, frames: frames, height: height, width: width,
            cache: c, cacheFrames: cacheFrames, packed: a, bias: bi, geometry: g, output: out)
        let got = Array(UnsafeBufferPointer(start: out, count: expected.values.count))
        var maxError: Float = 0, maxRef: Float = 0
        for i in 0..<got.count {
            maxError = max(maxError, abs(got[i] - expected.values[i]))
            maxRef = max(maxRef, abs(expected.values[i]))
        }
        XCTAssertFalse(got.contains { $0.isNaN }, "output not fully written", file: file, line: line)
        XCTAssertLessThanOrEqual(maxError, 1e-5 * max(1, maxRef), "max error \(maxError) (max |ref| \(maxRef))",
                                 file: file, line: line)
    }

    // MARK: - Cases (every WanCausalConv3d and Conv2d shape the Wan VAE uses)

    func testCausal3x3x3ZeroPaddedFirstChunk() {
        // conv1/conv2 of a residual block on the first chunk: 2 zero frames before the input.
        check(.causal(inChannels: 5, outChannels: 7, kernel: (3, 3, 3), padding: (1, 1, 1)),
              batch: 2, frames: 1, height: 6, width: 5)
        check(.causal(inChannels: 4, outChannels: 6, kernel: (3, 3, 3), padding: (1, 1, 1)),
              frames: 4, height: 7, width: 9)
    }

    func testCausal3x3x3WithCache() {
        // Later chunks: the cache's 2 frames replace the zero padding; with 1 cache frame, one
        // zero frame remains (diffusers' padding[4] -= cache_x.shape[2]).
        check(.causal(inChannels: 3, outChannels: 5, kernel: (3, 3, 3), padding: (1, 1, 1)),
              batch: 2, frames: 2, height: 5, width: 6, cacheFrames: 2)
        check(.causal(inChannels: 3, outChannels: 4, kernel: (3, 3, 3), padding: (1, 1, 1)),
              frames: 1, height: 4, width: 4, cacheFrames: 1)
    }

    func testTimeConvUpsample() {
        // WanResample upsample3d time_conv: (3, 1, 1), padding (1, 0, 0), Cout = 2·Cin.
        check(.causal(inChannels: 4, outChannels: 8, kernel: (3, 1, 1), padding: (1, 0, 0)),
              frames: 2, height: 3, width: 5)
        check(.causal(inChannels: 4, outChannels: 8, kernel: (3, 1, 1), padding: (1, 0, 0)),
              batch: 2, frames: 1, height: 3, width: 5, cacheFrames: 2)
    }

    func testTimeConvDownsampleStride2() {
        // downsample3d time_conv: (3, 1, 1), stride (2, 1, 1), no padding; the cache frame is
        // concatenated by the caller, so a cache given here must be ignored.
        check(.causal(inChannels: 3, outChannels: 3, kernel: (3, 1, 1), stride: (2, 1, 1)),
              frames: 5, height: 4, width: 3, cacheFrames: 1)
    }

    func testPointwise() {
        // conv_shortcut, quant_conv, post_quant_conv: 1x1x1, no bias variant too.
        check(.causal(inChannels: 6, outChannels: 3, kernel: (1, 1, 1)), batch: 2, frames: 3, height: 4, width: 4)
        check(.causal(inChannels: 6, outChannels: 3, kernel: (1, 1, 1)), frames: 3, height: 4, width: 4,
              cacheFrames: 2, bias: false)
    }

    func testConv2dAsKernelT1() {
        // Upsampler Conv2d(3, padding=1) per frame, and the downsampler's ZeroPad2d((0,1,0,1))
        // then Conv2d(3, stride=2): bottom/right padding only.
        check(Conv3DGeometry(inChannels: 5, outChannels: 3, kernel: (1, 3, 3),
                             padTop: 1, padBottom: 1, padLeft: 1, padRight: 1),
              frames: 3, height: 8, width: 6)
        check(Conv3DGeometry(inChannels: 4, outChannels: 4, kernel: (1, 3, 3), stride: (1, 2, 2),
                             padBottom: 1, padRight: 1),
              batch: 2, frames: 2, height: 8, width: 10)
        check(Conv3DGeometry(inChannels: 2, outChannels: 3, kernel: (1, 3, 3), stride: (1, 2, 2),
                             padBottom: 1, padRight: 1),
              frames: 1, height: 7, width: 5)
    }

    func testManyTilesAndThreads() {
        // A tiny tile budget forces one output row per tile and tiles shared across threads.
        let saved = conv3dTileBudgetBytes
        conv3dTileBudgetBytes = 1
        defer { conv3dTileBudgetBytes = saved }
        check(.causal(inChannels: 3, outChannels: 5, kernel: (3, 3, 3), padding: (1, 1, 1)),
              batch: 2, frames: 3, height: 9, width: 7, cacheFrames: 2)
    }

    func testRowShiftPathWithTallKernelsAndAsymmetricPadding() {
        // Stride 1 in height: kernel rows read the width-unrolled tile in place. Exercise kh = 2
        // and 5, padding on one side only, horizontal stride 2, and a budget of one row per tile.
        check(Conv3DGeometry(inChannels: 3, outChannels: 4, kernel: (2, 2, 3), stride: (1, 1, 2),
                             timePadding: 1, padTop: 0, padBottom: 2, padLeft: 1, padRight: 0),
              batch: 2, frames: 3, height: 6, width: 7)
        let saved = conv3dTileBudgetBytes
        conv3dTileBudgetBytes = 1
        defer { conv3dTileBudgetBytes = saved }
        check(Conv3DGeometry(inChannels: 2, outChannels: 3, kernel: (3, 5, 3), timePadding: 2,
                             padTop: 2, padBottom: 2, padLeft: 1, padRight: 1),
              frames: 2, height: 7, width: 5, cacheFrames: 1)
    }

    func testAsymmetricKernelAndStrides() {
        check(Conv3DGeometry(inChannels: 3, outChannels: 4, kernel: (2, 3, 2), stride: (2, 2, 1),
                             timePadding: 1, padTop: 2, padBottom: 0, padLeft: 1, padRight: 2),
              frames: 5, height: 7, width: 6)
    }
}
