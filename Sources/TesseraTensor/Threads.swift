// One thread budget for OpenBLAS and Tessera's own parallel loops.

import COpenBLAS
import Foundation

/// The process-wide thread budget. `configure(_:)` sets both OpenBLAS's thread count and the
/// size of the pool behind `parallelFor`; the two never run at once (a parallel region that
/// calls sgemm asks for single-threaded BLAS), so no more threads are busy than configured,
/// and never more than the machine's cores.
public enum Threads {
    /// Cores available to this process (affinity and cgroup limits included).
    public static let cores: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    private static let lock = NSLock()
    nonisolated(unsafe) private static var pool = ThreadPool(size: cores)

    /// The configured thread count (default: every core).
    public static var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return pool.size
    }

    /// Sets the thread count for OpenBLAS and `parallelFor`, clamped to 1...cores, and returns
    /// the count in force. Call it at start-up, not while a parallel region runs.
    @discardableResult
    public static func configure(_ n: Int) -> Int {
        let size = min(max(1, n), cores)
        lock.lock()
        if size != pool.size {
            pool.shutdown()
            pool = ThreadPool(size: size)
        }
        lock.unlock()
        if BLAS.isLoaded { BLAS.setThreads(size) }
        return size
    }

    /// Called once when OpenBLAS has loaded: align its thread count with ours.
    static func blasDidLoad() {
        BLAS.setThreads(count)
    }

    /// Splits 0..<n into at most `count` contiguous chunks of at least `grain` items and runs
    /// `body` on each, in parallel; returns when all are done. Nested or concurrent calls run
    /// serially. With `singleThreadedBLAS`, OpenBLAS runs single-threaded for the region, so
    /// sgemm calls inside `body` do not oversubscribe the cores.
    public static func parallelFor(
        _ n: Int, grain: Int = 1, singleThreadedBLAS: Bool = false,
        _ body: (Range<Int>) -> Void
    ) {
        if n <= 0 { return }
        lock.lock()
        let pool = self.pool
        lock.unlock()
        let chunks = min(pool.size, max(1, n / max(1, grain)))
        if chunks <= 1 {
            body(0..<n)
            return
        }
        let restoreBLAS = singleThreadedBLAS && BLAS.isLoaded
        let ran = pool.run(
            participants: chunks,
            setUp: { if restoreBLAS { BLAS.setThreads(1) } },
            tearDown: { if restoreBLAS { BLAS.setThreads(pool.size) } }
        ) { p in
            body(chunkRange(p, of: chunks, n: n))
        }
        if !ran { body(0..<n) }
    }

    /// `parallelFor` with a scratch buffer of `scratch` floats for each chunk (allocated once
    /// per chunk, uninitialised), for kernels that need per-thread working memory.
    public static func parallelFor(
        _ n: Int, grain: Int = 1, singleThreadedBLAS: Bool = false, scratch: Int,
        _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void
    ) {
        parallelFor(n, grain: grain, singleThreadedBLAS: singleThreadedBLAS) { range in
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, scratch))
            defer { buffer.deallocate() }
            body(range, buffer)
        }
    }

    /// The p-th of `chunks` near-equal contiguous ranges of 0..<n.
    @inline(__always)
    static func chunkRange(_ p: Int, of chunks: Int, n: Int) -> Range<Int> {
        let base = n / chunks, extra = n % chunks
        let start = p * base + min(p, extra)
        return start..<(start + base + (p < extra ? 1 : 0))
    }
}
