// `tessera doctor`: what this machine gives Tessera — CPU features, the OpenBLAS kernels
// chosen and why, threads, a quick GEMM figure, and whether the prompt encoder is installed.

import ArgumentParser
import Foundation
import TesseraTensor
import TesseraText

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the machine: CPU features, BLAS kernels and threads, installed model files.",
        discussion: """
            OpenBLAS is loaded at run time with OPENBLAS_CORETYPE chosen from the CPU's features \
            (SkylakeX with AVX-512, Haswell with AVX2+FMA); a value you set yourself wins.

            Examples:
              tessera doctor
              OPENBLAS_CORETYPE=Haswell tessera doctor --json
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: "Skip the 512³ sgemm measurement.")
    var noBenchmark = false

    func run() throws {
        try global.apply()
        try BLAS.load()
        let cpu = CPUFeatures.current
        let requested = BLAS.requestedCoreType
        let gflops = noBenchmark ? nil : measureGEMM(size: 512)
        let encoderDirectory = TextEncoderFiles.defaultDirectory
        let missing = TextEncoderFiles.required.filter {
            !FileManager.default.fileExists(atPath: encoderDirectory.appendingPathComponent($0).path)
        }
        let reason: String
        switch requested.source {
        case .auto: reason = "chosen by Tessera from the CPU's features"
        case .user: reason = "set by the user (OPENBLAS_CORETYPE)"
        case .openblas: reason = "detected by OpenBLAS itself (no AVX2/AVX-512 preference applies, or TESSERA_BLAS_CORETYPE=off)"
        }

        if json {
            var object: [String: Any] = [
                "version": TesseraVersion.number,
                "cpu": cpu.brand, "vendor": cpu.vendor, "features": cpu.names, "cores": Threads.cores,
                "blas_library": BLAS.libraryName, "blas_config": BLAS.config, "blas_core": BLAS.coreName,
                "core_type_source": requested.source.rawValue,
                "threads": Threads.count, "blas_threads": BLAS.threads,
                "text_encoder_dir": encoderDirectory.path, "text_encoder_missing": missing,
            ]
            object["requested_core_type"] = requested.name
            object["openblas_thread_timeout"] = BLAS.threadTimeout.value
            object["sgemm_512_gflops"] = gflops
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }

        print("tessera \(TesseraVersion.number)")
        print("CPU          \(cpu.brand.isEmpty ? cpu.vendor : cpu.brand), \(Threads.cores) cores available")
        print("features     \(cpu.description)")
        print("OpenBLAS     \(BLAS.libraryName)")
        print("  config     \(BLAS.config)")
        print("  core       \(BLAS.coreName) (\(requested.name.map { "OPENBLAS_CORETYPE=\($0), " } ?? "")\(reason))")
        print("threads      \(Threads.count) (OpenBLAS \(BLAS.threads); use --threads N to change)")
        let timeout = BLAS.threadTimeout
        print("  idle spin  2^\(timeout.value) cycles (OPENBLAS_THREAD_TIMEOUT, \(timeout.setByUser ? "set by the user" : "set by Tessera so workers sleep between calls"))")
        if let gflops { print("sgemm 512³   \(String(format: "%.1f", gflops)) GFLOP/s") }
        if missing.isEmpty {
            print("prompt encoder  installed in \(encoderDirectory.path)")
        } else {
            print("prompt encoder  missing in \(encoderDirectory.path): \(missing.joined(separator: ", ")); run `make setup` (scripts/setup.sh) to install it")
        }
    }

    /// Best of five n³ sgemm calls after a warm-up, in GFLOP/s.
    private func measureGEMM(size n: Int) -> Double {
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        for repetition in 0...5 {
            let start = DispatchTime.now().uptimeNanoseconds
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        BLAS.sgemm(m: n, n: n, k: n, a: ap.baseAddress!, lda: n, b: bp.baseAddress!, ldb: n,
                                   c: cp.baseAddress!, ldc: n)
                    }
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            if repetition > 0 { best = min(best, seconds) }
        }
        return 2 * Double(n * n * n) / best / 1e9
    }
}
