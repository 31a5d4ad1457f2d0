// Tiled attention (online softmax) against the obvious twin that materialises the scores.

import Foundation
import TesseraTensor
import TesseraTestSupport
import XCTest

final class AttentionTests: XCTestCase {
    /// Naive attention in Double over (B, L, H, D) operands: softmax(scale·QKᵀ + mask)·V.
    private func naiveAttention(
        q: [Float], k: [Float], v: [Float], batch: Int, heads: Int, lq: Int, lk: Int, d: Int,
        mask: [Bool]?, scale: Double
    ) -> [Float] {
        var out = [Float](repeating: 0, count: batch * lq * heads * d)
        for b in 0..<batch {
            for h in 0..<heads {
                for i in 0..<lq {
                    var scores = [Double](repeating: -.infinity, count: lk)
                    for j in 0..<lk where mask?[b * lk + j] ?? true {
                        var s = 0.0
                        for c in 0..<d {
                            s += Double(q[((b * lq + i) * heads + h) * d + c]) * Double(k[((b * lk + j) * heads + h) * d + c])
                        }
                        scores[j] = s * scale
                    }
                    let m = scores.max()!
                    if m == -.infinity { continue }
                    let e = scores.map { Foundation.exp($0 - m) }
                    let total = e.reduce(0, +)
                    for c in 0..<d {
                        var acc = 0.0
                        for j in 0..<lk { acc += e[j] * Double(v[((b * lk + j) * heads + h) * d + c]) }
                        out[((b * lq + i) * heads + h) * d + c] = Float(acc / total)
                    }
                }
            }
        }
        return out
    }

    /// Odd lengths that do not divide the tiles, several tiles in both directions, a key
    /// padding mask (including a batch whose first key tile is entirely masked), scaled
    /// inputs so the running max changes between tiles. Tolerance 2e-5 absolute + 1e-4 relative.
    func testTiledAttentionMatchesNaive() {
        let cases: [(b: Int, h: Int, lq: Int, lk: Int, d: Int, masked: Bool)] = [
            (1, 1, 1, 1, 4, false), (2, 3, 37, 53, 16, false), (2, 2, 29, 71, 8, true), (1, 2, 130, 300, 64, true),
        ]
        var seed: UInt64 = 100
        for c in cases {
            let q = randomFloats(c.b * c.lq * c.h * c.d, seed: seed, range: -2...2)
            let k = randomFloats(c.b * c.lk * c.h * c.d, seed: seed + 1, range: -2...2)
            let v = randomFloats(c.b * c.lk * c.h * c.d, seed: seed + 2)
            seed += 3
            var mask: [Bool]? = nil
            if c.masked {
                var generator = SeededGenerator(seed: seed)
                var m = (0..<(c.b * c.lk)).map { _ in Bool.random(using: &generator) }
                for j in 0..<min(c.lk, 20) { m[j] = false }  // the first keys of batch 0 all masked
                m[c.lk - 1] = true
                mask = m
            }
            let expected = naiveAttention(q: q, k: k, v: v, batch: c.b, heads: c.h, lq: c.lq, lk: c.lk, d: c.d,
                                          mask: mask, scale: 1 / Double(c.d).squareRoot())
            for tiling in [AttentionTiling(queryTile: 16, keyTile: 16), AttentionTiling(queryTile: 7, keyTile: 33), AttentionTiling()] {
                var out = [Float](repeating: .nan, count: q.count)
                q.withUnsafeBufferPointer { qp in
                    k.withUnsafeBufferPointer { kp in
                        v.withUnsafeBufferPointer { vp in
                            out.withUnsafeMutableBufferPointer { op in
                                let o = op.baseAddress!
                                func run(_ m: UnsafePointer<Bool>?) {
                                    scaledDotProductAttention(
                                        query: qp.baseAddress!, key: kp.baseAddress!, value: vp.baseAddress!, output: o,
                                        batch: c.b, heads: c.h, queryLength: c.lq, keyLength: c.lk, headDim: c.d,
                                        keyMask: m, tiling: tiling)
                                }
                                if let mask { mask.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
                            }
                        }
                    }
                }
                assertClose(out, expected, atol: 2e-5, rtol: 1e-4, "attention \(c) tiles \(tiling.queryTile)x\(tiling.keyTile)")
            }
        }
    }

    /// (B, H, L, D) layout gives the (B, L, H, D) result transposed; an all-masked batch gives zeros.
    func testHeadMajorLayoutAndFullyMaskedBatch() {
        let (b, h, lq, lk, d) = (2, 3, 9, 11, 8)
        let q = Tensor(shape: [b, lq, h, d], data: randomFloats(b * lq * h * d, seed: 200))
        let k = Tensor(shape: [b, lk, h, d], data: randomFloats(b * lk * h * d, seed: 201))
        let v = Tensor(shape: [b, lk, h, d], data: randomFloats(b * lk * h * d, seed: 202))
        var mask = [Bool](repeating: true, count: b * lk)
        for j in 0..<lk { mask[lk + j] = false }
        let reference = scaledDotProductAttention(query: q, key: k, value: v, keyMask: mask)
        XCTAssertEqual(Array(reference.data[(lq * h * d)...]), [Float](repeating: 0, count: lq * h * d))

        func toHeadMajor(_ t: Tensor, _ l: Int) -> [Float] {
            var out = [Float](repeating: 0, count: t.count)
            for bi in 0..<b { for li in 0..<l { for hi in 0..<h { for c in 0..<d {
                out[((bi * h + hi) * l + li) * d + c] = t[bi, li, hi, c]
            } } } }
            return out
        }
        let qh = toHeadMajor(q, lq), kh = toHeadMajor(k, lk), vh = toHeadMajor(v, lk)
        var out = [Float](repeating: 0, count: qh.count)
        qh.withUnsafeBufferPointer { qp in kh.withUnsafeBufferPointer { kp in vh.withUnsafeBufferPointer { vp in
            out.withUnsafeMutableBufferPointer { op in
                mask.withUnsafeBufferPointer { mp in
                    scaledDotProductAttention(query: qp.baseAddress!, key: kp.baseAddress!, value: vp.baseAddress!,
                                              output: op.baseAddress!, batch: b, heads: h, queryLength: lq,
                                              keyLength: lk, headDim: d, layout: .batchHeadTokenChannel,
                                              keyMask: mp.baseAddress!)
                }
            }
        } } }
        XCTAssertEqual(out, toHeadMajor(reference, lq))
    }

    /// Heads read in place from fused rows (q | k | v side by side, as Wan's `to_qkv` output),
    /// the value bias added to the output, written into rows of another stride; whole key rows
    /// (one key tile) and small tiles both match the naive twin on the unpacked operands plus
    /// the bias. Tolerance 2e-5 absolute + 1e-4 relative.
    func testStridedOperandsWithValueBiasMatchNaive() {
        let (b, h, l, d) = (2, 3, 45, 8)
        let dim = h * d
        let qkv = randomFloats(b * l * 3 * dim, seed: 300, range: -2...2)  // (B·L, 3·H·D)
        let valueBias = randomFloats(dim, seed: 301)
        func unpack(_ part: Int) -> [Float] {  // (B, L, H, D)
            var out: [Float] = []
            for row in 0..<(b * l) {
                let start = row * 3 * dim + part * dim
                out += qkv[start..<(start + dim)]
            }
            return out
        }
        var expected = naiveAttention(q: unpack(0), k: unpack(1), v: unpack(2), batch: b, heads: h, lq: l, lk: l, d: d,
                                      mask: nil, scale: 1 / Double(d).squareRoot())
        for i in expected.indices { expected[i] += valueBias[i % dim] }
        let outStride = dim + 5  // padded output rows: the padding must stay untouched
        for tiling in [AttentionTiling.wholeKeyRows, AttentionTiling(queryTile: 7, keyTile: 16)] {
            var out = [Float](repeating: .nan, count: b * l * outStride)
            qkv.withUnsafeBufferPointer { p in
                valueBias.withUnsafeBufferPointer { bias in
                    out.withUnsafeMutableBufferPointer { o in
                        let rows = AttentionStrides.tokenRows(3 * dim, length: l, headDim: d)
                        scaledDotProductAttention(
                            query: p.baseAddress!, queryStrides: rows, key: p.baseAddress! + dim, keyStrides: rows,
                            value: p.baseAddress! + 2 * dim, valueStrides: rows,
                            output: o.baseAddress!, outputStrides: .tokenRows(outStride, length: l, headDim: d),
                            batch: b, heads: h, queryLength: l, keyLength: l, headDim: d,
                            valueBias: bias.baseAddress!, tiling: tiling)
                    }
                }
            }
            var packed: [Float] = []
            for row in 0..<(b * l) { packed += out[(row * outStride)..<(row * outStride + dim)] }
            assertClose(packed, expected, atol: 2e-5, rtol: 1e-4, "strided attention, key tile \(tiling.keyTile)")
            for row in 0..<(b * l) {
                XCTAssertTrue(out[(row * outStride + dim)..<((row + 1) * outStride)].allSatisfy(\.isNaN), "padding written")
            }
        }
    }
}
