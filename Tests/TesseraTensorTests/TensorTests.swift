// The Tensor type: shapes, reshapes, strides and indexing.

import TesseraTensor
import XCTest

final class TensorTests: XCTestCase {
    func testShapeStridesAndIndexing() {
        var t = Tensor(shape: [2, 3, 4], data: (0..<24).map(Float.init))
        XCTAssertEqual(t.count, 24)
        XCTAssertEqual(t.rank, 3)
        XCTAssertEqual(t.strides, [12, 4, 1])
        XCTAssertEqual(t.dim(-1), 4)
        XCTAssertEqual(t[1, 2, 3], 23)
        XCTAssertEqual(t[0, 1, 2], 6)
        t[1, 0, 0] = -1
        XCTAssertEqual(t.data[12], -1)
    }

    func testReshapeInfersOneDimension() {
        let t = Tensor(shape: [2, 3, 4], data: (0..<24).map(Float.init))
        let r = t.reshaped([-1, 4])
        XCTAssertEqual(r.shape, [6, 4])
        XCTAssertEqual(r.data, t.data)
        XCTAssertEqual(t.reshaped([4, -1]).shape, [4, 6])
        XCTAssertEqual(Tensor(zeros: [0, 5]).reshaped([5, 0]).count, 0)
    }

    func testInitialisers() {
        XCTAssertEqual(Tensor(zeros: [3, 2]).data, [Float](repeating: 0, count: 6))
        XCTAssertEqual(Tensor(repeating: 2, shape: [2]).data, [2, 2])
        XCTAssertEqual(Tensor(zeros: []).count, 1)  // a scalar
    }

    /// matmul (Tensor form) with both transposes against the naive twin.
    func testMatmulTransposes() throws {
        try BLAS.load()
        let a = Tensor(shape: [5, 3], data: randomFloats(15, seed: 400))
        let b = Tensor(shape: [4, 3], data: randomFloats(12, seed: 401))
        var expected = [Float](repeating: 0, count: 20)
        naiveGEMM(transA: false, transB: true, m: 5, n: 4, k: 3, alpha: 1, a: a.data, lda: 3, b: b.data, ldb: 3,
                  beta: 0, c: &expected, ldc: 4)
        let c = matmul(a, b, transposeB: true)
        XCTAssertEqual(c.shape, [5, 4])
        assertClose(c.data, expected, atol: 1e-6, rtol: 1e-6, "a·bᵀ")
        let at = Tensor(shape: [3, 5], data: (0..<15).map { a.data[($0 % 5) * 3 + $0 / 5] })  // aᵀ stored
        assertClose(matmul(at, b, transposeA: true, transposeB: true).data, expected, atol: 1e-6, rtol: 1e-6, "aᵀᵀ·bᵀ")
    }
}
