// Slow, obvious twins of the fast kernels, and helpers to compare against them.

import TesseraTensor
import TesseraTestSupport
import XCTest

func randomFloats(_ count: Int, seed: UInt64, range: ClosedRange<Float> = -1...1) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in Float.random(in: range, using: &generator) }
}

/// Largest |a - b| over two arrays.
func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    var worst: Float = 0
    for i in a.indices { worst = max(worst, abs(a[i] - b[i])) }
    return worst
}

/// Asserts |a - b| ≤ atol + rtol·|b| elementwise.
func assertClose(_ a: [Float], _ b: [Float], atol: Float, rtol: Float = 0,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "length", file: file, line: line)
    guard a.count == b.count else { return }
    for i in a.indices where !(abs(a[i] - b[i]) <= atol + rtol * abs(b[i])) {
        XCTFail("\(message) element \(i): \(a[i]) vs reference \(b[i]) (atol \(atol), rtol \(rtol))",
                file: file, line: line)
        return
    }
}

// MARK: - Naive GEMM in Double

/// C = alpha·op(A)·op(B) + beta·C, row-major, accumulated in Double.
func naiveGEMM(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
               a: [Float], lda: Int, b: [Float], ldb: Int, beta: Float, c: inout [Float], ldc: Int) {
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let av = transA ? a[p * lda + i] : a[i * lda + p]
                let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                sum += Double(av) * Double(bv)
            }
            let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
            c[i * ldc + j] = Float(Double(alpha) * sum + old)
        }
    }
}
