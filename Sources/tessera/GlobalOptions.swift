// Options every subcommand accepts.

import ArgumentParser
import Logging
import TesseraTensor

struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Worker threads for BLAS and Tessera's own loops (default: all cores; at most the core count).")
    var threads: Int?

    @Flag(name: .shortAndLong, help: "Log debug details to stderr.")
    var verbose = false

    /// Sets up logging and the thread budget (OpenBLAS stays unloaded until a kernel needs it).
    /// Call first in `run()`.
    func apply() throws {
        if let threads, threads < 1 {
            throw ValidationError("--threads must be at least 1 (got \(threads)).")
        }
        let level: Logger.Level = verbose ? .debug : .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        if let threads {
            let used = Threads.configure(threads)
            if used != threads {
                Logger(label: "tessera").warning(
                    "--threads \(threads) exceeds the \(Threads.cores) cores available; using \(used).")
            }
        }
    }
}
