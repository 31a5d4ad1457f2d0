// Options every subcommand accepts.

import ArgumentParser
import Logging

struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Worker threads for BLAS and Tessera's own loops (default: all cores).")
    var threads: Int?

    @Flag(name: .shortAndLong, help: "Log debug details to stderr.")
    var verbose = false

    /// Sets up logging (and, once the engine is linked, the thread pool). Call first in `run()`.
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
    }
}
