// sgemm, batched GEMM and linear against the naive Double-accumulated twin.

import TesseraTensor
import XCTest

final class GEMMTests: XCTestCase {
    override func setUp() {
        super.setUp()
        XCTAssertNoThrow(try BLAS.load())
    }

    /// Every transpose combination, odd sizes, padded leading dimensions, alpha/beta.
    /// Tolerance: 1e-4 absolute + 1e-4 relative for sums of ≤ 70 products of values in [-1, 1].
    func testSGEMMMatchesNaive() {
        let sizes = [(1, 1, 1), (7, 5, 3), (17, 33, 65), (64, 31, 70), (3, 129, 2)]
        var seed: UInt64 = 1
        for (m, n, k) in sizes {
            for transA in [false, true] {
                for transB in [false, true] {
                    let lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 1, ldc = n + 2
                    let a = randomFloats((transA ? k : m) * lda, seed: seed)
                    let b = randomFloats((transB ? n : k) * ldb, seed: seed + 1)
                    var c = randomFloats(m * ldc, seed: seed + 2)
                    seed += 3
                    var expected = c
                    naiveGEMM(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.75, a: a, lda: lda,
                              b: b, ldb: ldb, beta: 0.5, c: &expected, ldc: ldc)
                    a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            c.withUnsafeMutableBufferPointer { cp in
                                BLAS.sgemm(transA: transA ? .transpose : .none, transB: transB ? .transpose : .none,
                                           m: m, n: n, k: k, alpha: 0.75, a: ap.baseAddress!, lda: lda,
                                           b: bp.baseAddress!, ldb: ldb, beta: 0.5, c: cp.baseAddress!, ldc: ldc)
                            }
                        }
                    }
                    assertClose(c, expected, atol: 1e-4, rtol: 1e-4, "sgemm \(m)x\(n)x\(k) tA=\(transA) tB=\(transB)")
                }
            }
        }
    }

    /// y = x·Wᵀ + b with PyTorch's (out, in) weight, leading dimensions flattened.
    func testLinearMatchesNaive() {
        let x = Tensor(shape: [2, 5, 37], data: randomFloats(2 * 5 * 37, seed: 10))
        let w = Tensor(shape: [19, 37], data: randomFloats(19 * 37, seed: 11))
        let b = Tensor(shape: [19], data: randomFloats(19, seed: 12))
        let y = linear(x, weight: w, bias: b)
        XCTAssertEqual(y.shape, [2, 5, 19])
        var expected = [Float](repeating: 0, count: 10 * 19)
        for r in 0..<10 {
            for o in 0..<19 {
                var sum = Double(b.data[o])
                for i in 0..<37 { sum += Double(x.data[r * 37 + i]) * Double(w.data[o * 37 + i]) }
                expected[r * 19 + o] = Float(sum)
            }
        }
        assertClose(y.data, expected, atol: 1e-5, rtol: 1e-5, "linear")
        let noBias = linear(x, weight: w)
        for r in 0..<10 {
            for o in 0..<19 { expected[r * 19 + o] -= b.data[o] }
        }
        assertClose(noBias.data, expected, atol: 1e-5, rtol: 1e-5, "linear without bias")
    }
}
