// Norms, softmax, activations, rotary embeddings, elementwise helpers and f16/bf16 conversion
// against slow obvious twins computed in Double.

import Foundation
import TesseraTensor
import XCTest

final class KernelTests: XCTestCase {
    // MARK: - Norms

    /// Layer norm with and without affine, odd widths (tail lanes), rows with a large mean.
    /// Tolerance 2e-5 absolute + 2e-5 relative: fp32 statistics over ≤ 391 values.
    func testLayerNormMatchesNaive() {
        for (rows, dim) in [(1, 1), (3, 7), (33, 391), (5, 16)] {
            var x = randomFloats(rows * dim, seed: UInt64(dim), range: -3...3)
            for i in 0..<dim { x[i] += 100 }  // first row far from zero: two-pass statistics needed
            let w = randomFloats(dim, seed: 2, range: 0.5...1.5), b = randomFloats(dim, seed: 3)
            for affine in [false, true] {
                var expected = [Float](repeating: 0, count: rows * dim)
                for r in 0..<rows {
                    let row = x[(r * dim)..<((r + 1) * dim)].map(Double.init)
                    let mean = row.reduce(0, +) / Double(dim)
                    let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(dim)
                    for j in 0..<dim {
                        var value = (row[j] - mean) / (variance + 1e-6).squareRoot()
                        if affine { value = value * Double(w[j]) + Double(b[j]) }
                        expected[r * dim + j] = Float(value)
                    }
                }
                let t = Tensor(shape: [rows, dim], data: x)
                let y = affine
                    ? layerNorm(t, weight: Tensor(shape: [dim], data: w), bias: Tensor(shape: [dim], data: b), eps: 1e-6)
                    : layerNorm(t, eps: 1e-6)
                assertClose(y.data, expected, atol: 2e-5, rtol: 2e-5, "layerNorm \(rows)x\(dim) affine=\(affine)")
            }
        }
    }

    /// In place (x and y the same buffer) gives the same result as out of place.
    func testLayerNormInPlace() {
        var x = randomFloats(4 * 50, seed: 9)
        let expected = layerNorm(Tensor(shape: [4, 50], data: x), eps: 1e-5).data
        x.withUnsafeMutableBufferPointer { p in
            layerNorm(p.baseAddress!, rows: 4, dim: 50, weight: nil, bias: nil, eps: 1e-5, into: p.baseAddress!)
        }
        XCTAssertEqual(x, expected)
    }

    /// RMS norm (diffusers RMSNorm): tolerance 1e-5 absolute + 1e-5 relative.
    func testRMSNormMatchesNaive() {
        for (rows, dim) in [(2, 3), (17, 384), (4, 129)] {
            let x = randomFloats(rows * dim, seed: UInt64(dim) + 40, range: -2...2)
            let w = randomFloats(dim, seed: 41)
            for weighted in [false, true] {
                var expected = [Float](repeating: 0, count: rows * dim)
                for r in 0..<rows {
                    let row = x[(r * dim)..<((r + 1) * dim)].map(Double.init)
                    let inv = 1 / (row.map { $0 * $0 }.reduce(0, +) / Double(dim) + 1e-6).squareRoot()
                    for j in 0..<dim { expected[r * dim + j] = Float(row[j] * inv * (weighted ? Double(w[j]) : 1)) }
                }
                let y = rmsNorm(Tensor(shape: [rows, dim], data: x),
                                weight: weighted ? Tensor(shape: [dim], data: w) : nil, eps: 1e-6)
                assertClose(y.data, expected, atol: 1e-5, rtol: 1e-5, "rmsNorm \(rows)x\(dim)")
            }
        }
    }

    /// Layer norm fused with AdaLN modulation (Wan's norm1/norm3/norm_out), groups of rows
    /// per sample from a packed (B, 6, D) table: normalise, then ·(1 + scale) + shift, in
    /// Double. Tolerance 2e-5 absolute + 2e-5 relative.
    func testLayerNormWithModulationMatchesNaive() {
        let (batch, length, dim) = (3, 4, 53)
        let rows = batch * length
        let x = randomFloats(rows * dim, seed: 30, range: -3...3)
        let table = randomFloats(batch * 6 * dim, seed: 31)  // shift at row 0, scale at row 1
        var expected = [Float](repeating: 0, count: rows * dim)
        for r in 0..<rows {
            let row = x[(r * dim)..<((r + 1) * dim)].map(Double.init)
            let mean = row.reduce(0, +) / Double(dim)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(dim)
            let g = r / length
            for j in 0..<dim {
                let shift = Double(table[g * 6 * dim + j]), scale = Double(table[g * 6 * dim + dim + j])
                expected[r * dim + j] = Float((row[j] - mean) / (variance + 1e-6).squareRoot() * (1 + scale) + shift)
            }
        }
        var y = [Float](repeating: .nan, count: rows * dim)
        x.withUnsafeBufferPointer { xp in
            table.withUnsafeBufferPointer { t in
                y.withUnsafeMutableBufferPointer { yp in
                    let modulation = NormModulation(scale: t.baseAddress! + dim, shift: t.baseAddress!, stride: 6 * dim,
                                                    rowsPerGroup: length)
                    layerNorm(xp.baseAddress!, rows: rows, dim: dim, weight: nil, bias: nil, eps: 1e-6,
                              modulation: modulation, into: yp.baseAddress!)
                }
            }
        }
        assertClose(y, expected, atol: 2e-5, rtol: 2e-5, "layerNorm + modulation")
    }

    /// RMS norm of x + bias over rows inside wider rows (q and k of a fused q | k | v
    /// projection), in place, then Wan's rotary embedding per head: against Double
    /// normalisation and the complex product (x0 + i·x1)·e^{iθ}. Columns outside the rows
    /// stay as they were. Tolerance 1e-5 absolute + 1e-5 relative.
    func testRMSNormStridedWithBiasAndRotaryMatchesNaive() {
        let (batch, tokens, heads, headDim) = (2, 6, 3, 8)
        let dim = heads * headDim, stride = 3 * dim, rows = batch * tokens
        let x = randomFloats(rows * stride, seed: 42, range: -2...2)
        let w = randomFloats(dim, seed: 43, range: 0.5...1.5), bias = randomFloats(dim, seed: 44)
        let (cosT, sinT) = rotaryFrequencies(dim: headDim, positions: tokens, theta: 10_000)
        for rotate in [false, true] {
            var expected = x
            for r in 0..<rows {
                let row = (0..<dim).map { Double(x[r * stride + $0]) + Double(bias[$0]) }
                let inv = 1 / (row.map { $0 * $0 }.reduce(0, +) / Double(dim) + 1e-6).squareRoot()
                let normed = (0..<dim).map { row[$0] * inv * Double(w[$0]) }
                for j in 0..<dim {
                    var value = normed[j]
                    if rotate {
                        let i = (j % headDim) / 2, pair = j - j % 2
                        let angle = Double(r % tokens) / Foundation.pow(10_000, Double(2 * i) / Double(headDim))
                        let (re, im) = (normed[pair], normed[pair + 1])
                        value = j % 2 == 0 ? re * Foundation.cos(angle) - im * Foundation.sin(angle)
                                           : re * Foundation.sin(angle) + im * Foundation.cos(angle)
                    }
                    expected[r * stride + j] = Float(value)
                }
            }
            var y = x
            y.withUnsafeMutableBufferPointer { yp in
                w.withUnsafeBufferPointer { wp in
                    bias.withUnsafeBufferPointer { bp in
                        cosT.withUnsafeBufferPointer { c in
                            sinT.withUnsafeBufferPointer { s in
                                let rotary = NormRotary(cos: c.baseAddress!, sin: s.baseAddress!, tokens: tokens, headDim: headDim)
                                rmsNorm(yp.baseAddress!, rows: rows, dim: dim, weight: wp.baseAddress!, eps: 1e-6,
                                        bias: bp.baseAddress!, rowStride: stride, rotary: rotate ? rotary : nil,
                                        into: yp.baseAddress!)
                            }
                        }
                    }
                }
            }
            assertClose(y, expected, atol: 1e-5, rtol: 1e-5, "rmsNorm strided, bias, rotary \(rotate)")
        }
    }

    // MARK: - Softmax and exp

    /// fastExp against Double exp over the whole useful range: relative error ≤ 1e-6.
    func testFastExpAccuracy() {
        var worst = 0.0
        var x: Float = -87
        while x < 88 {
            let got = Double(fastExp(x)), want = Foundation.exp(Double(x))
            worst = max(worst, abs(got - want) / want)
            x += 0.0137
        }
        XCTAssertLessThan(worst, 1e-6, "worst relative error of fastExp")
        XCTAssertEqual(fastExp(-200), 0)
        XCTAssertEqual(fastExp(200), .infinity)
        XCTAssertTrue(fastExp(.nan).isNaN)
        XCTAssertEqual(fastExp(0), 1)
    }

    /// The one-pass exponentiate-and-sum of attention rows gives `fastExp(x − shift)` to the bit
    /// for every value (−inf and values far below the shift give 0; odd counts exercise the
    /// scalar tail) and their sum within fp32 summation error.
    func testExpShiftedSumIsFastExpToTheBit() {
        for count in [1, 3, 4, 37, 256] {
            var x = randomFloats(count, seed: UInt64(count) + 55, range: -20...5)
            x[0] = -.infinity
            if count > 2 { x[2] = -200 }
            let shift: Float = 5.25  // ≥ every x (the range tops at 5)
            let expected = x.map { fastExp($0 - shift) }
            var y = x
            let sum = y.withUnsafeMutableBufferPointer { expShiftedSum($0.baseAddress!, count, shift: shift) }
            XCTAssertEqual(y.map(\.bitPattern), expected.map(\.bitPattern), "count \(count)")
            XCTAssertEqual(Double(sum), expected.map(Double.init).reduce(0, +), accuracy: 1e-6 * Double(count))
        }
    }

    /// fastErf against Double erf: absolute error ≤ 6e-7 everywhere (1.5e-7 from the formula,
    /// the rest fp32 rounding of values near 1), odd, ±1 in the tails.
    func testFastErfAccuracy() {
        var worst = 0.0
        var x: Float = -6
        while x < 6 {
            worst = max(worst, abs(Double(fastErf(x)) - Foundation.erf(Double(x))))
            x += 0.00317
        }
        XCTAssertLessThan(worst, 6e-7, "worst absolute error of fastErf")
        XCTAssertEqual(fastErf(0), 0)
        XCTAssertEqual(fastErf(-2), -fastErf(2))
        XCTAssertEqual(fastErf(20), 1)
        XCTAssertEqual(fastErf(-20), -1)
    }

    /// Softmax rows sum to 1 and match Double; large offsets do not overflow; −inf entries get 0;
    /// an all −inf row gives zeros. Tolerance 1e-6 absolute + 1e-5 relative.
    func testSoftmaxMatchesNaive() {
        let rows = 6, dim = 37
        var x = randomFloats(rows * dim, seed: 50, range: -8...8)
        for j in 0..<dim { x[dim + j] += 1000 }  // overflow without max subtraction
        x[2 * dim + 3] = -.infinity
        for j in 0..<dim { x[5 * dim + j] = -.infinity }
        var expected = [Float](repeating: 0, count: rows * dim)
        for r in 0..<4 {
            let row = x[(r * dim)..<((r + 1) * dim)].map(Double.init)
            let m = row.max()!
            let e = row.map { Foundation.exp($0 - m) }
            let s = e.reduce(0, +)
            for j in 0..<dim { expected[r * dim + j] = Float(e[j] / s) }
        }
        let r4 = x[(4 * dim)..<(5 * dim)].map(Double.init)
        let m4 = r4.max()!, s4 = r4.map { Foundation.exp($0 - m4) }.reduce(0, +)
        for j in 0..<dim { expected[4 * dim + j] = Float(Foundation.exp(r4[j] - m4) / s4) }
        let y = softmax(Tensor(shape: [rows, dim], data: x))
        assertClose(y.data, expected, atol: 1e-6, rtol: 1e-5, "softmax")
        XCTAssertEqual(y.data[2 * dim + 3], 0)
        XCTAssertEqual(Array(y.data[(5 * dim)...]), [Float](repeating: 0, count: dim))
    }

    // MARK: - Activations

    /// GELU tanh and erf against Double formulas, SiLU against x·σ(x): 2e-6 absolute + 1e-5 relative.
    func testActivationsMatchNaive() {
        var x = randomFloats(1000, seed: 60, range: -10...10)
        x += [0, -0.0, 30, -30, 1e-8]
        let t = Tensor(shape: [x.count], data: x)
        let tanhRef = x.map { v -> Float in
            let d = Double(v)
            return Float(0.5 * d * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (d + 0.044715 * d * d * d))))
        }
        let erfRef = x.map { v -> Float in Float(0.5 * Double(v) * (1 + Foundation.erf(Double(v) / 2.0.squareRoot()))) }
        let siluRef = x.map { v -> Float in Float(Double(v) / (1 + Foundation.exp(-Double(v)))) }
        assertClose(gelu(t, approximation: .tanh).data, tanhRef, atol: 2e-6, rtol: 1e-5, "gelu tanh")
        assertClose(gelu(t, approximation: .erf).data, erfRef, atol: 2e-6, rtol: 1e-5, "gelu erf")
        assertClose(silu(t).data, siluRef, atol: 2e-6, rtol: 1e-5, "silu")
    }

    /// GELU of x + bias over rows in place (the feed-forward's first projection) against the
    /// Double formulas on x + bias: 2e-6 absolute + 1e-5 relative.
    func testGELUWithBiasMatchesNaive() {
        let (rows, width) = (9, 77)
        let x = randomFloats(rows * width, seed: 61, range: -8...8)
        let bias = randomFloats(width, seed: 62)
        for approximation in [GELUApproximation.tanh, .erf] {
            let expected = x.indices.map { i -> Float in
                let d = Double(x[i]) + Double(bias[i % width])
                switch approximation {
                case .tanh: return Float(0.5 * d * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (d + 0.044715 * d * d * d))))
                case .erf: return Float(0.5 * d * (1 + Foundation.erf(d / 2.0.squareRoot())))
                }
            }
            var y = x
            y.withUnsafeMutableBufferPointer { yp in
                bias.withUnsafeBufferPointer { bp in
                    gelu(yp.baseAddress!, rows: rows, width: width, bias: bp.baseAddress!, approximation: approximation)
                }
            }
            assertClose(y, expected, atol: 2e-6, rtol: 1e-5, "gelu \(approximation) + bias")
        }
    }

    /// Every kernel that allows y == x (a separate loop, see `isSameBuffer`) gives bit-identical
    /// results in place and out of place.
    func testInPlaceMatchesOutOfPlace() {
        let (rows, dim) = (7, 301)
        let x = randomFloats(rows * dim, seed: 65, range: -6...6)
        let other = randomFloats(rows * dim, seed: 66)
        typealias Kernel = (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void
        let kernels: [(String, Kernel)] = [
            ("gelu tanh", { gelu($0, count: rows * dim, approximation: .tanh, into: $1) }),
            ("gelu erf", { gelu($0, count: rows * dim, approximation: .erf, into: $1) }),
            ("silu", { silu($0, count: rows * dim, into: $1) }),
            ("softmax", { softmax($0, rows: rows, dim: dim, into: $1) }),
            ("rmsNorm", { rmsNorm($0, rows: rows, dim: dim, weight: nil, eps: 1e-6, into: $1) }),
            ("add", { a, y in other.withUnsafeBufferPointer { add(a, $0.baseAddress!, count: rows * dim, into: y) } }),
            ("multiply", { a, y in other.withUnsafeBufferPointer { multiply($0.baseAddress!, a, count: rows * dim, into: y) } }),
        ]
        for (name, kernel) in kernels {
            var outOfPlace = [Float](repeating: 0, count: x.count)
            x.withUnsafeBufferPointer { xp in outOfPlace.withUnsafeMutableBufferPointer { kernel(xp.baseAddress!, $0.baseAddress!) } }
            var inPlace = x
            inPlace.withUnsafeMutableBufferPointer { kernel(UnsafePointer($0.baseAddress!), $0.baseAddress!) }
            XCTAssertEqual(inPlace, outOfPlace, name)
            XCTAssertNotEqual(inPlace, x, "\(name) changed nothing")
        }
    }

    // MARK: - Rotary embeddings

    /// Interleaved-pair rotation against the complex product (x0 + i·x1)·e^{iθ} with θ from
    /// Wan's frequency formula; and the frequency table against Double.
    func testRotaryEmbeddingMatchesComplexProduct() {
        let (batch, length, heads, headDim) = (2, 5, 3, 12)
        let (cosT, sinT) = rotaryFrequencies(dim: headDim, positions: length, theta: 10_000)
        for p in 0..<length {
            for i in 0..<(headDim / 2) {
                let angle = Double(p) / Foundation.pow(10_000, Double(2 * i) / Double(headDim))
                XCTAssertEqual(cosT[p * headDim / 2 + i], Float(Foundation.cos(angle)))
                XCTAssertEqual(sinT[p * headDim / 2 + i], Float(Foundation.sin(angle)))
            }
        }
        let x = randomFloats(batch * length * heads * headDim, seed: 70)
        var y = x
        y.withUnsafeMutableBufferPointer { yp in
            cosT.withUnsafeBufferPointer { c in
                sinT.withUnsafeBufferPointer { s in
                    applyRotaryEmbedding(yp.baseAddress!, batch: batch, length: length, heads: heads,
                                         headDim: headDim, cos: c.baseAddress!, sin: s.baseAddress!)
                }
            }
        }
        for b in 0..<batch {
            for l in 0..<length {
                for h in 0..<heads {
                    for i in 0..<(headDim / 2) {
                        let base = ((b * length + l) * heads + h) * headDim + 2 * i
                        let angle = Double(l) / Foundation.pow(10_000, Double(2 * i) / Double(headDim))
                        let (re, im) = (Double(x[base]), Double(x[base + 1]))
                        let wantRe = re * Foundation.cos(angle) - im * Foundation.sin(angle)
                        let wantIm = re * Foundation.sin(angle) + im * Foundation.cos(angle)
                        XCTAssertEqual(Double(y[base]), wantRe, accuracy: 1e-6)
                        XCTAssertEqual(Double(y[base + 1]), wantIm, accuracy: 1e-6)
                    }
                }
            }
        }
    }

    // MARK: - Elementwise

    /// Modulation x·(1 + scale) + shift and gated residual r + x·gate, broadcast over length
    /// from a packed (B, 6, D) table; exact up to one fp32 rounding per operation.
    func testModulationAndGatedResidual() {
        let (batch, length, dim) = (2, 3, 5)
        let x = randomFloats(batch * length * dim, seed: 80)
        let table = randomFloats(batch * 6 * dim, seed: 81)  // (B, 6, D): shift, scale, gate, ...
        var modulated = x
        var residual = randomFloats(batch * length * dim, seed: 82)
        let residualBefore = residual
        table.withUnsafeBufferPointer { t in
            modulated.withUnsafeMutableBufferPointer { m in
                modulate(m.baseAddress!, batch: batch, length: length, dim: dim,
                         scale: t.baseAddress! + dim, scaleStride: 6 * dim,
                         shift: t.baseAddress!, shiftStride: 6 * dim)
            }
            x.withUnsafeBufferPointer { xp in
                residual.withUnsafeMutableBufferPointer { r in
                    addResidual(r.baseAddress!, xp.baseAddress!, batch: batch, length: length, dim: dim,
                                gate: t.baseAddress! + 2 * dim, gateStride: 6 * dim)
                }
            }
        }
        for b in 0..<batch {
            for l in 0..<length {
                for j in 0..<dim {
                    let i = (b * length + l) * dim + j
                    let shift = table[b * 6 * dim + j], scale = table[b * 6 * dim + dim + j]
                    let gate = table[b * 6 * dim + 2 * dim + j]
                    XCTAssertEqual(modulated[i], x[i] * (1 + scale) + shift, accuracy: 1e-6)
                    XCTAssertEqual(residual[i], residualBefore[i] + x[i] * gate, accuracy: 1e-6)
                }
            }
        }
    }

    /// Residual updates with and without the projection's bias and the gate against
    /// r + (x + bias)·gate in Double: within one fp32 rounding per operation.
    func testResidualVariantsMatchNaive() {
        let (batch, length, dim) = (2, 5, 37)
        let x = randomFloats(batch * length * dim, seed: 83)
        let bias = randomFloats(dim, seed: 84)
        let table = randomFloats(batch * 6 * dim, seed: 85)  // gate at row 2 of each (6, D) block
        let before = randomFloats(batch * length * dim, seed: 86)
        for (useBias, useGate) in [(false, false), (true, false), (false, true), (true, true)] {
            var residual = before
            x.withUnsafeBufferPointer { xp in
                bias.withUnsafeBufferPointer { bp in
                    table.withUnsafeBufferPointer { t in
                        residual.withUnsafeMutableBufferPointer { r in
                            addResidual(r.baseAddress!, xp.baseAddress!, batch: batch, length: length, dim: dim,
                                        bias: useBias ? bp.baseAddress! : nil,
                                        gate: useGate ? t.baseAddress! + 2 * dim : nil, gateStride: 6 * dim)
                        }
                    }
                }
            }
            for i in residual.indices {
                let b = i / (length * dim), j = i % dim
                let delta = Double(x[i]) + (useBias ? Double(bias[j]) : 0)
                let gate = useGate ? Double(table[b * 6 * dim + 2 * dim + j]) : 1
                XCTAssertEqual(Double(residual[i]), Double(before[i]) + delta * gate, accuracy: 2e-6,
                               "bias \(useBias) gate \(useGate) element \(i)")
            }
        }
    }

    // MARK: - Half precision

    /// Every f16 bit pattern converts exactly (checked against Swift's Float16) and back;
    /// f32 → f16 rounds to nearest even, like Float16(Float).
    func testHalfConversionIsExact() {
        let all = (0...0xFFFF).map { UInt16($0) }
        let floats = HalfPrecision.floats(fromHalf: all)
        for (bits, value) in zip(all, floats) {
            let reference = Float(Float16(bitPattern: bits))
            if reference.isNaN { XCTAssertTrue(value.isNaN); continue }
            XCTAssertEqual(value.bitPattern, reference.bitPattern, "f16 bits \(bits)")
        }
        let samples = randomFloats(20_000, seed: 90, range: -70_000...70_000)
            + randomFloats(20_000, seed: 91, range: -1e-4...1e-4) + [65_519.99, 65_520, 1e-8, -0.0, .infinity, -.infinity]
        let halves = HalfPrecision.halfBits(from: samples)
        for (x, h) in zip(samples, halves) {
            XCTAssertEqual(h, Float16(x).bitPattern, "f32 \(x) → f16")
        }
        XCTAssertTrue(Float(Float16(bitPattern: HalfPrecision.floatToHalfBits(.nan))).isNaN)
    }

    /// Bulk conversions large enough to be split across threads agree with the per-element ones.
    func testBulkConversionAcrossThreads() {
        let count = 600_001
        let x = randomFloats(count, seed: 93, range: -1000...1000)
        let half = HalfPrecision.halfBits(from: x)
        let bf = HalfPrecision.bfloat16Bits(from: x)
        let halfBack = HalfPrecision.floats(fromHalf: half)
        let bfBack = HalfPrecision.floats(fromBFloat16: bf)
        for i in stride(from: 0, to: count, by: 997) + [count - 1] {
            XCTAssertEqual(half[i], HalfPrecision.floatToHalfBits(x[i]))
            XCTAssertEqual(bf[i], HalfPrecision.floatToBFloat16Bits(x[i]))
            XCTAssertEqual(halfBack[i], HalfPrecision.halfBitsToFloat(half[i]))
            XCTAssertEqual(bfBack[i], HalfPrecision.bfloat16BitsToFloat(bf[i]))
        }
    }

    /// bf16: widening is exact; narrowing rounds to nearest even (ties checked by hand).
    func testBFloat16Conversion() {
        let bits: [UInt16] = [0x3F80, 0xBF80, 0x7F80, 0x0001, 0x4049]
        XCTAssertEqual(HalfPrecision.floats(fromBFloat16: bits), [1, -1, .infinity, Float(bitPattern: 0x0001_0000), Float(bitPattern: 0x4049_0000)])
        // 1 + 2⁻⁸ is halfway between bf16 1.0 and 1.0078125: ties to even (1.0);
        // 1 + 3·2⁻⁸ ties up to the even 1.015625.
        XCTAssertEqual(HalfPrecision.floatToBFloat16Bits(1 + 1.0 / 256), 0x3F80)
        XCTAssertEqual(HalfPrecision.floatToBFloat16Bits(1 + 3.0 / 256), 0x3F82)
        XCTAssertEqual(HalfPrecision.floatToBFloat16Bits(1 + 1.5 / 256), 0x3F81)
        XCTAssertTrue(HalfPrecision.bfloat16BitsToFloat(HalfPrecision.floatToBFloat16Bits(.nan)).isNaN)
        let x = randomFloats(10_000, seed: 92, range: -100...100)
        let roundTrip = HalfPrecision.floats(fromBFloat16: HalfPrecision.bfloat16Bits(from: x))
        assertClose(roundTrip, x, atol: 0, rtol: 1.0 / 256, "bf16 round trip within half an ulp (2⁻⁸ relative)")
    }
}
