// Eigenvalues and eigenvectors of a small real symmetric matrix by the cyclic Jacobi method
// (Golub & Van Loan, "Matrix Computations", 4th ed., §8.5.2; rotation formulas as Numerical
// Recipes' `jacobi`). Used for the channel covariance of latents (at most a few dozen
// channels), where its simplicity and accuracy matter more than speed.

import Foundation

/// `A = V diag(values) Vᵀ` for a symmetric `A`, eigenvalues in decreasing order.
public struct SymmetricEigendecomposition: Sendable {
    /// Eigenvalues, largest first.
    public var values: [Double]
    /// `vectors[i]` is the unit eigenvector of `values[i]`, with its largest-magnitude entry
    /// positive (the first such entry on a tie), so the result does not depend on rounding.
    public var vectors: [[Double]]

    /// Decomposes the `size` x `size` symmetric matrix `matrix` (row-major). Only symmetric
    /// input gives a meaningful result; the lower triangle is not checked against the upper.
    public init(matrix: [Double], size n: Int, maxSweeps: Int = 100) {
        precondition(n >= 0 && matrix.count == n * n, "SymmetricEigendecomposition: \(matrix.count) values for \(n)x\(n)")
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)  // columns are the eigenvectors
        for i in 0..<n { v[i * n + i] = 1 }

        let scale = max(a.reduce(0) { $0 + $1 * $1 }, .leastNormalMagnitude)
        for _ in 0..<maxSweeps {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<n { off += a[p * n + q] * a[p * n + q] } }
            if off <= 1e-30 * scale { break }
            for p in 0..<n {
                for q in (p + 1)..<n {
                    let apq = a[p * n + q]
                    if apq == 0 { continue }
                    // The rotation that zeroes a[p][q]: t = tan(angle), the smaller root of
                    // t² + 2θt − 1 = 0 with θ = (a_qq − a_pp) / (2 a_pq).
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let t = abs(theta) > 1e150
                        ? 1 / (2 * theta)
                        : (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {  // A ← A J (columns p, q)
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {  // A ← Jᵀ A (rows p, q)
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {  // V ← V J
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }

        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] || (a[$0 * n + $0] == a[$1 * n + $1] && $0 < $1) }
        values = order.map { a[$0 * n + $0] }
        vectors = order.map { column in
            var vector = (0..<n).map { v[$0 * n + column] }
            var largest = 0
            for i in vector.indices where abs(vector[i]) > abs(vector[largest]) * (1 + 1e-9) { largest = i }
            if vector.indices.contains(largest), vector[largest] < 0 { vector = vector.map { -$0 } }
            return vector
        }
    }
}
