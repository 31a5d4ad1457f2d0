// The version string `tessera --version` prints, with the BLAS kernels in use.

import TesseraTensor

enum TesseraVersion {
    static let number = "0.1.0"

    /// e.g. "tessera 0.1.0 (OpenBLAS 0.3.21, core SkylakeX, 2 threads)". ArgumentParser builds
    /// the root configuration (and so this string) for every command, so OpenBLAS is loaded
    /// here only when `--version` was asked for; other commands load it when a kernel needs it.
    /// A missing OpenBLAS is shown in place of the kernel.
    static var string: String {
        guard CommandLine.arguments.dropFirst().contains("--version") else { return "tessera \(number)" }
        do {
            try BLAS.load()
            let version = BLAS.version.map { "OpenBLAS \($0)" } ?? "OpenBLAS"
            return "tessera \(number) (\(version), core \(BLAS.coreName), \(Threads.count) threads)"
        } catch {
            return "tessera \(number) (\(error))"
        }
    }
}
