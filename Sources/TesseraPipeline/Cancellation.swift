// Cooperative cancellation: a flag the pipeline checks between units of work, set by a
// progress handler, by the caller, or by SIGINT/SIGTERM once `installSignalHandlers` ran.

import Dispatch
import Foundation

// MARK: - Cancellation

/// A thread-safe stop flag. A second SIGINT/SIGTERM while the first is being honoured runs
/// the registered clean-ups (removing partial outputs) and exits at once with 128 + signal.
public final class Cancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var signalNumber: Int32?
    private var cleanups: [UUID: () -> Void] = [:]
    private var sources: [DispatchSourceSignal] = []

    public init() {}

    /// The process-wide token the signal handlers set.
    public static let shared = Cancellation()

    /// Whether a stop was asked for.
    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    /// The signal that asked for the stop, if one did.
    public var signal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return signalNumber
    }

    /// Asks the run to stop at the next check.
    public func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    /// Registers work to do if the process must exit before the run unwinds (a second
    /// signal); returns a key for `removeCleanup`.
    @discardableResult
    public func addCleanup(_ body: @escaping () -> Void) -> UUID {
        let key = UUID()
        lock.lock()
        cleanups[key] = body
        lock.unlock()
        return key
    }

    public func removeCleanup(_ key: UUID) {
        lock.lock()
        cleanups[key] = nil
        lock.unlock()
    }

    /// Routes SIGINT and SIGTERM to this token: the first sets the flag (the run stops at the
    /// next step, removes its partial output and throws `cancelled`); a second runs the
    /// clean-ups and exits with status 128 + signal.
    public func installSignalHandlers() {
        lock.lock()
        defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for sig in [SIGINT, SIGTERM] {
            Foundation.signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.received(sig) }
            source.resume()
            sources.append(source)
        }
    }

    private func received(_ sig: Int32) {
        lock.lock()
        let second = cancelled && signalNumber != nil
        cancelled = true
        if signalNumber == nil { signalNumber = sig }
        let pending = Array(cleanups.values)
        lock.unlock()
        if second {
            pending.forEach { $0() }
            _exit(128 + sig)
        }
    }
}
