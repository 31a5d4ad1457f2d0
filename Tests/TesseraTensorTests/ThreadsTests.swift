// The thread pool: coverage of every index, nesting, reconfiguration, and batched GEMM.

import Foundation
import TesseraTensor
import XCTest

final class ThreadsTests: XCTestCase {
    override func tearDown() {
        Threads.configure(Threads.cores)
        super.tearDown()
    }

    /// Every index is visited exactly once, for sizes around the chunk boundaries.
    func testParallelForCoversEveryIndexOnce() {
        for n in [0, 1, 2, 3, 7, 64, 1001] {
            for grain in [1, 5, 1000] {
                let counts = UnsafeMutablePointer<Int>.allocate(capacity: max(n, 1))
                counts.initialize(repeating: 0, count: max(n, 1))
                defer { counts.deallocate() }
                Threads.parallelFor(n, grain: grain) { range in
                    for i in range { counts[i] += 1 }
                }
                for i in 0..<n { XCTAssertEqual(counts[i], 1, "n=\(n) grain=\(grain) index \(i)") }
            }
        }
    }

    /// A parallelFor inside a parallelFor runs serially and still covers everything.
    func testNestedParallelForRunsSerially() {
        let n = 8, m = 50
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: n * m)
        counts.initialize(repeating: 0, count: n * m)
        defer { counts.deallocate() }
        Threads.parallelFor(n) { outer in
            for i in outer {
                Threads.parallelFor(m) { inner in
                    for j in inner { counts[i * m + j] += 1 }
                }
            }
        }
        for i in 0..<(n * m) { XCTAssertEqual(counts[i], 1) }
    }

    /// Reconfiguring while another thread runs parallel regions neither deadlocks nor loses
    /// work: regions on a pool being replaced finish, or fall back to serial.
    func testConfigureDuringParallelRegions() {
        let n = 1000, rounds = 300
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: n)
        counts.initialize(repeating: 0, count: n)
        defer { counts.deallocate() }
        let finished = DispatchSemaphore(value: 0)
        let address = Int(bitPattern: counts)  // a plain value for the @Sendable closure
        let worker = Thread {
            let counts = UnsafeMutablePointer<Int>(bitPattern: address)!
            for _ in 0..<rounds {
                Threads.parallelFor(n, grain: 10) { range in
                    for i in range { counts[i] += 1 }
                }
            }
            finished.signal()
        }
        worker.start()
        for i in 0..<40 { Threads.configure(i % 2 + 1) }
        XCTAssertEqual(finished.wait(timeout: .now() + 60), .success, "parallel regions stalled")
        for i in 0..<n { XCTAssertEqual(counts[i], rounds, "index \(i)") }
    }

    /// configure clamps to 1...cores and sets OpenBLAS's count too.
    func testConfigureClampsAndAppliesToBLAS() throws {
        try BLAS.load()
        XCTAssertEqual(Threads.configure(1), 1)
        XCTAssertEqual(Threads.count, 1)
        XCTAssertEqual(BLAS.threads, 1)
        XCTAssertEqual(Threads.configure(10_000), Threads.cores)
        XCTAssertEqual(BLAS.threads, Threads.cores)
        XCTAssertEqual(Threads.configure(0), 1)
    }

    /// Strided batched GEMM, small products (parallel over the batch) and a shared operand.
    func testStridedBatchedGEMM() throws {
        try BLAS.load()
        let (batch, m, n, k) = (6, 5, 7, 9)
        let a = randomFloats(batch * m * k, seed: 300), b = randomFloats(k * n, seed: 301)
        var c = [Float](repeating: 0, count: batch * m * n)
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            BLAS.sgemmStridedBatched(m: m, n: n, k: k, a: ap.baseAddress!, lda: k, strideA: m * k,
                                     b: bp.baseAddress!, ldb: n, strideB: 0,
                                     c: cp.baseAddress!, ldc: n, strideC: m * n, batch: batch)
        } } }
        for i in 0..<batch {
            var expected = [Float](repeating: 0, count: m * n)
            naiveGEMM(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: Array(a[(i * m * k)..<((i + 1) * m * k)]),
                      lda: k, b: b, ldb: n, beta: 0, c: &expected, ldc: n)
            assertClose(Array(c[(i * m * n)..<((i + 1) * m * n)]), expected, atol: 1e-5, rtol: 1e-5, "batch \(i)")
        }
    }
}
