// Ctrl-C, kill or a closed terminal in the middle of writing: remove the temporary files and
// folders outputs are being written under (see AtomicFile), then exit as the signal would.

import Dispatch
import Foundation

/// A process-wide list of temporary outputs in progress, removed when SIGINT, SIGTERM or
/// SIGHUP arrives once `install()` has been called (commands that write files call it first).
/// The signal is handled on a dispatch queue, not in a signal handler, so removal may use
/// ordinary file APIs; afterwards the process exits with status 128 + signal number.
///
/// Commands with their own cooperative cancellation (`generate`: TesseraPipeline's
/// `Cancellation`) should not call `install()`, which exits at the first signal; they can
/// call `removeAll()` from their own last-resort clean-up instead.
public enum InterruptCleanup {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: [Int: String] = [:]
    nonisolated(unsafe) private static var nextToken = 0
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Starts handling SIGINT, SIGTERM and SIGHUP (idempotent).
    public static func install() {
        lock.lock()
        defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)  // delivered to the dispatch source instead
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                removeAll()
                exit(128 + sig)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Registers a file or folder to remove on interruption; returns a token for `unregister`.
    static func register(_ path: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        nextToken += 1
        paths[nextToken] = path
        return nextToken
    }

    /// Forgets a path registered with `register` (it was committed or removed).
    static func unregister(_ token: Int) {
        lock.lock()
        defer { lock.unlock() }
        paths[token] = nil
    }

    /// Removes every temporary output in progress now (for a signal handler about to exit).
    public static func removeAll() {
        lock.lock()
        let pending = Array(paths.values)
        paths = [:]
        lock.unlock()
        for path in pending { try? FileManager.default.removeItem(atPath: path) }
    }
}
