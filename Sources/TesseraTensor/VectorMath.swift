// Vectorised building blocks for the elementwise kernels: exp, sums, maxima over SIMD16 lanes.
// Swift does not reassociate float reductions or call a vector libm, so these do it by hand.

/// e^x for 16 lanes: Cody–Waite range reduction x = n·ln2 + r, |r| ≤ ln2/2, then a degree-6
/// polynomial for e^r (Cephes expf coefficients; max relative error ≈ 2e-7 over [-87, 88]).
/// Inputs below -87.3 give 0, above 88.7 give +inf; NaN stays NaN.
@inlinable @inline(__always)
public func vectorExp(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let high = SIMD16<Float>(repeating: 88.72283)
    let low = SIMD16<Float>(repeating: -87.33654)
    let clamped = x.clamped(lowerBound: low, upperBound: high)
    // Round x·log2(e) to the nearest integer by adding 1.5·2²³ (works for |n| < 2²²).
    let magic = SIMD16<Float>(repeating: 12_582_912)
    let shifted = clamped * 1.442695041 + magic
    let n = shifted - magic
    var r = clamped - n * 0.693359375
    r = r - n * -2.12194440e-4
    var p = SIMD16<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * (r * r) + r + 1
    // 2ⁿ from n's integer bits (held in the low mantissa bits of `shifted`).
    let nBits = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
    let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: SIMD16<Float>.self)
    var result = p * scale
    // Restore the edges the clamp removed: overflow to inf, underflow to 0, NaN passes.
    result.replace(with: .infinity, where: x .> high)
    result.replace(with: 0, where: x .< low)
    result.replace(with: x, where: x .!= x)
    return result
}

/// e^x for one value, through the same polynomial as `vectorExp` (so tails match lanes).
@inlinable @inline(__always)
public func scalarExp(_ x: Float) -> Float {
    vectorExp(SIMD16(repeating: x))[0]
}

@inlinable @inline(__always)
func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inlinable @inline(__always)
func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}

/// Sum of `count` floats, 16 lanes at a time.
@inlinable
func vectorSum(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
    var acc = SIMD16<Float>()
    var i = 0
    while i + 16 <= count {
        acc += load16(x + i)
        i += 16
    }
    var total = acc.sum()
    while i < count {
        total += x[i]
        i += 1
    }
    return total
}

/// Maximum of `count` floats (−inf when empty).
@inlinable
func vectorMax(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
    var acc = SIMD16<Float>(repeating: -.infinity)
    var i = 0
    while i + 16 <= count {
        acc = pointwiseMax(acc, load16(x + i))
        i += 16
    }
    var best = acc.max()
    while i < count {
        best = max(best, x[i])
        i += 1
    }
    return best
}

/// Applies `f` to `count` floats from `x` into `y` (which may equal `x`), 16 at a time; the
/// tail goes through the same vector function on a padded copy, so every element sees the
/// same arithmetic.
@inlinable @inline(__always)
func mapVector(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
    _ f: (SIMD16<Float>) -> SIMD16<Float>
) {
    var i = 0
    while i + 16 <= count {
        store16(f(load16(x + i)), y + i)
        i += 16
    }
    if i < count {
        var tail = SIMD16<Float>()
        for j in 0..<(count - i) { tail[j] = x[i + j] }
        let out = f(tail)
        for j in 0..<(count - i) { y[i + j] = out[j] }
    }
}
