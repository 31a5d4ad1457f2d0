// Vectorised building blocks for the elementwise kernels: exp, sums, maxima over SIMD16 lanes.
// Swift does not reassociate float reductions or call a vector libm, so these do it by hand.

/// e^x, branch-free so that LLVM vectorises the loops that call it (Swift's generic SIMD
/// operations such as `clamped` or `pointwiseMax` are not lowered to vector instructions, and
/// libm's expf is a call per element). Cody–Waite range reduction x = n·ln2 + r with
/// |r| ≤ ln2/2, then a degree-6 polynomial for e^r (Cephes expf coefficients); 2ⁿ through the
/// exponent bits. Max relative error ≈ 2e-7 over [-87, 88]; below −87.34 gives 0, above 88.72
/// gives +inf, NaN stays NaN.
@inlinable @inline(__always)
public func fastExp(_ x: Float) -> Float {
    let (p, shifted) = expReduced(min(max(x, -87.33654), 88.72283))
    let exponent = (Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000 &+ 127) &<< 23
    let result = p * Float(bitPattern: UInt32(bitPattern: exponent))
    return x < -87.33654 ? 0 : (x > 88.72283 ? .infinity : result)
}

/// What `fastExp`'s arithmetic runs on: Float, or SIMD4<Float> in hand-vectorised loops.
@usableFromInline
protocol ExpLanes {
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func + (a: Self, b: Float) -> Self
    static func - (a: Self, b: Float) -> Self
    static func * (a: Self, b: Float) -> Self
}

extension Float: ExpLanes {}
extension SIMD4: ExpLanes where Scalar == Float {}

/// The body of `fastExp` for x already clamped to [−87.34, 88.72]: Cody–Waite reduction
/// x = n·ln2 + r and the polynomial p ≈ e^r; returns p and x·log2(e) + 1.5·2²³, whose low
/// mantissa bits hold n (adding 1.5·2²³ rounds to the nearest integer, exact for |n| < 2²²).
@inlinable @inline(__always)
func expReduced<V: ExpLanes>(_ x: V) -> (p: V, shifted: V) {
    let shifted = x * 1.442695041 + 12_582_912
    let n = shifted - 12_582_912
    var r = x - n * 0.693359375
    r = r - n * -2.12194440e-4
    var p = r * 1.9875691500e-4 + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * (r * r) + r + 1
    return (p, shifted)
}

/// erf(x), branch-free (vectorisable): Abramowitz & Stegun 7.1.26,
/// erf(|x|) = 1 − (a₁t + a₂t² + a₃t³ + a₄t⁴ + a₅t⁵)·e^{−x²} with t = 1/(1 + p|x|);
/// max absolute error 1.5e-7 in exact arithmetic, 4.5e-7 measured in fp32; odd in x.
@inlinable @inline(__always)
public func fastErf(_ x: Float) -> Float {
    let a = abs(x)
    let t = 1 / (1 + 0.3275911 * a)
    var p: Float = 1.061405429
    p = p * t - 1.453152027
    p = p * t + 1.421413741
    p = p * t - 0.284496736
    p = p * t + 0.254829592
    let y = 1 - p * t * fastExp(-a * a)
    return x < 0 ? -y : y
}

/// y[i] = e^(x[i] − shift) for `count` floats; x and y may be the same buffer.
@inlinable
func expShifted(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int, shift: Float) {
    // LLVM's run-time overlap check rejects y == x and falls back to scalar code, so the
    // in-place case gets its own single-pointer loop (see `isSameBuffer`).
    if isSameBuffer(x, y) {
        for i in 0..<count { y[i] = fastExp(y[i] - shift) }
    } else {
        for i in 0..<count { y[i] = fastExp(x[i] - shift) }
    }
}

/// Whether an elementwise kernel runs in place. Loops over two pointers vectorise only after
/// a run-time check that the buffers do not overlap, which fails when they are the same
/// buffer; kernels therefore keep a separate single-pointer loop for that case.
@inlinable @inline(__always)
func isSameBuffer(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) -> Bool {
    x == UnsafePointer<Float>(y)
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
        let v = load16(x + i)
        acc.replace(with: v, where: v .> acc)  // pointwiseMax is not vectorised
        i += 16
    }
    var best = acc.max()
    while i < count {
        best = max(best, x[i])
        i += 1
    }
    return best
}

/// Σ x² over `count` floats, 16 lanes at a time.
@inlinable
func vectorSumOfSquares(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
    var acc = SIMD16<Float>()
    var i = 0
    while i + 16 <= count {
        let v = load16(x + i)
        acc += v * v
        i += 16
    }
    var total = acc.sum()
    while i < count {
        total += x[i] * x[i]
        i += 1
    }
    return total
}

/// x ← e^(x − shift) over `count` floats in place, `shift` ≥ every x (a row maximum); returns
/// the sum of the exponentials (the softmax denominator).
///
/// Each value is `fastExp(x − shift)` to the bit, −inf included (0); exponentials are written
/// back and summed in one pass, four lanes at a time with explicit SIMD4 operations (the
/// autovectorised `expShifted` followed by `vectorSum` measured slower on attention rows).
@inlinable
public func expShiftedSum(_ x: UnsafeMutablePointer<Float>, _ count: Int, shift: Float) -> Float {
    var sum = SIMD4<Float>()
    var i = 0
    let raw = UnsafeMutableRawPointer(x)
    let low = SIMD4<Float>(repeating: -87.33654)
    while i + 4 <= count {
        var v = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD4<Float>.self) - shift
        let underflow = v .< low  // x − shift ≤ 0: only the lower clamp matters
        v.replace(with: low, where: underflow)
        let (p, shifted) = expReduced(v)
        let exponent = (unsafeBitCast(shifted, to: SIMD4<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        var e = p * unsafeBitCast(exponent, to: SIMD4<Float>.self)
        e.replace(with: 0, where: underflow)
        raw.storeBytes(of: e, toByteOffset: 4 * i, as: SIMD4<Float>.self)
        sum += e
        i += 4
    }
    var total = sum.sum()
    while i < count {
        x[i] = fastExp(x[i] - shift)
        total += x[i]
        i += 1
    }
    return total
}
