// Seeded standard-normal noise that is the same on every machine and thread count.
//
// The definition (also implemented in NumPy by scripts/fixtures/schedulers.py, `philox_normals`,
// so Python tools can reproduce Tessera's initial latents):
//   key       = (seed & 0xffffffff, seed >> 32)                       (64-bit seed)
//   counter_b = (b & 0xffffffff, b >> 32, sample & 0xffffffff, sample >> 32)
//               for block b = 0, 1, 2, ... and the sample index within a batch
//   (x0, x1, x2, x3) = Philox4x32-10(counter_b, key)
//   u_j = (x_j + 0.5) / 2^32 in Float64, so 0 < u_j < 1
//   Box-Muller: r = sqrt(-2 ln u0), element 4b   = r cos(2 pi u1), element 4b+1 = r sin(2 pi u1)
//               r = sqrt(-2 ln u2), element 4b+2 = r cos(2 pi u3), element 4b+3 = r sin(2 pi u3)
//   each rounded to Float32; elements are in the tensor's row-major order.
// Each element depends only on (seed, sample, its index), so any split of the work gives the
// same numbers, and a sample of a batch is the same as that sample rendered alone.

import Foundation
import TesseraTensor

// MARK: - GaussianNoise

/// Standard-normal noise from Philox4x32-10 and Box-Muller, keyed by (seed, sample index).
public enum GaussianNoise {
    /// `count` normals for `sample` of `seed`, filled in parallel over Tessera's thread pool.
    public static func normals(seed: UInt64, sample: UInt64 = 0, count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress
            // Chunks on block boundaries (4 elements), so no block is generated twice.
            let blocks = (count + 3) / 4
            Threads.parallelFor(blocks, grain: 4096) { range in
                let start = range.lowerBound * 4, end = min(count, range.upperBound * 4)
                fill(UnsafeMutableBufferPointer(start: base.map { $0 + start }, count: end - start),
                     seed: seed, sample: sample, offset: start)
            }
        }
        return out
    }

    /// A tensor of the given shape (e.g. latents (1, z, F', H', W')) filled with `normals`.
    public static func tensor(shape: [Int], seed: UInt64, sample: UInt64 = 0) -> Tensor {
        Tensor(shape: shape, data: normals(seed: seed, sample: sample, count: Tensor.count(of: shape)))
    }

    /// Fills `buffer` with the elements `offset ..< offset + buffer.count` of the noise for
    /// (seed, sample). Any offset works; the values do not depend on how the range is split.
    public static func fill(_ buffer: UnsafeMutableBufferPointer<Float>, seed: UInt64, sample: UInt64, offset: Int) {
        let key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        let s0 = UInt32(truncatingIfNeeded: sample), s1 = UInt32(truncatingIfNeeded: sample >> 32)
        var i = 0
        while i < buffer.count {
            let element = offset + i
            let block = UInt64(element / 4)
            let x = Philox4x32.block(
                counter: (UInt32(truncatingIfNeeded: block), UInt32(truncatingIfNeeded: block >> 32), s0, s1), key: key)
            let z = boxMuller(x)
            var lane = element % 4
            while lane < 4, i < buffer.count {
                buffer[i] = z[lane]
                lane += 1
                i += 1
            }
        }
    }

    /// Four normals from four uniform words (two Box-Muller pairs).
    @inline(__always)
    static func boxMuller(_ x: (UInt32, UInt32, UInt32, UInt32)) -> SIMD4<Float> {
        let scale = 1.0 / 4_294_967_296.0
        let u0 = (Double(x.0) + 0.5) * scale, u1 = (Double(x.1) + 0.5) * scale
        let u2 = (Double(x.2) + 0.5) * scale, u3 = (Double(x.3) + 0.5) * scale
        let r0 = (-2 * log(u0)).squareRoot(), r1 = (-2 * log(u2)).squareRoot()
        let a0 = 2 * Double.pi * u1, a1 = 2 * Double.pi * u3
        return SIMD4(Float(r0 * cos(a0)), Float(r0 * sin(a0)), Float(r1 * cos(a1)), Float(r1 * sin(a1)))
    }
}
