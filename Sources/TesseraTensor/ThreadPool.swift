// A fixed set of worker threads that run one parallel region at a time.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Worker threads for `Threads.parallelFor`. The calling thread takes part as participant 0,
/// so a pool of `size` participants owns `size - 1` threads. One region runs at a time; a
/// region started while another runs (nested, or from a second thread) runs serially instead.
final class ThreadPool: @unchecked Sendable {
    let size: Int
    private var threads: [pthread_t] = []
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let done = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Held for the whole of a parallel region; `trylock` failing means "run serially".
    private let region = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    // Guarded by `mutex`.
    private var generation = 0
    private var pending = 0
    private var stopping = false
    private var job: ((Int) -> Void)?

    init(size: Int) {
        self.size = max(1, size)
        pthread_mutex_init(mutex, nil)
        pthread_mutex_init(region, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(done, nil)
        for index in 1..<self.size {
            let context = Unmanaged.passRetained(WorkerContext(pool: self, index: index)).toOpaque()
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { raw in
                let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                context.pool.workerLoop(index: context.index)
                return nil
            }, context)
            precondition(rc == 0, "tessera: could not start a worker thread (pthread_create: \(rc))")
            threads.append(thread)
        }
    }

    /// Stops and joins the workers.
    func shutdown() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        for thread in threads { pthread_join(thread, nil) }
        threads.removeAll()
    }

    deinit {
        shutdown()
        pthread_mutex_destroy(mutex)
        pthread_mutex_destroy(region)
        pthread_cond_destroy(wake)
        pthread_cond_destroy(done)
        mutex.deallocate()
        region.deallocate()
        wake.deallocate()
        done.deallocate()
    }

    /// Runs `body(p)` for p in 0..<participants (≤ size) on distinct threads, the caller
    /// running p = 0, and returns when all are done. Returns false without running anything
    /// when another region holds the pool (the caller then runs the work serially).
    /// `setUp` and `tearDown` run on the caller while it holds the pool, before and after.
    func run(
        participants: Int, setUp: () -> Void = {}, tearDown: () -> Void = {},
        _ body: (Int) -> Void
    ) -> Bool {
        precondition(participants <= size)
        guard pthread_mutex_trylock(region) == 0 else { return false }
        setUp()
        defer {
            tearDown()
            pthread_mutex_unlock(region)
        }
        return withoutActuallyEscaping(body) { body in
            pthread_mutex_lock(mutex)
            if stopping {
                // Replaced by `Threads.configure` meanwhile: the caller runs the work serially.
                pthread_mutex_unlock(mutex)
                return false
            }
            job = { index in if index < participants { body(index) } }
            pending = size - 1
            generation &+= 1
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(mutex)

            body(0)

            pthread_mutex_lock(mutex)
            while pending > 0 { pthread_cond_wait(done, mutex) }
            job = nil
            pthread_mutex_unlock(mutex)
            return true
        }
    }

    private func workerLoop(index: Int) {
        var seen = 0
        pthread_mutex_lock(mutex)
        while true {
            while generation == seen && !stopping { pthread_cond_wait(wake, mutex) }
            // A job published before `shutdown` is still run, so its caller is not left waiting.
            if generation == seen { break }
            seen = generation
            let job = self.job!
            pthread_mutex_unlock(mutex)
            job(index)
            pthread_mutex_lock(mutex)
            pending -= 1
            if pending == 0 { pthread_cond_signal(done) }
        }
        pthread_mutex_unlock(mutex)
    }
}

private final class WorkerContext {
    let pool: ThreadPool
    let index: Int
    init(pool: ThreadPool, index: Int) {
        self.pool = pool
        self.index = index
    }
}
