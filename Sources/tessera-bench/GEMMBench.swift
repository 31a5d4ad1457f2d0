// `tessera-bench gemm`: sgemm GFLOP/s through Tessera's automatic core-type choice against the
// same call with each OpenBLAS core type forced by OPENBLAS_CORETYPE, every configuration in
// its own child process (OpenBLAS reads the variable when it loads), rounds interleaved.

import ArgumentParser
import Foundation
import TesseraTensor

struct GEMMBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "sgemm GFLOP/s: Tessera (automatic core type) vs every OpenBLAS core type.")

    @Option(help: "Rounds; each runs every configuration once, interleaved. The median is reported.")
    var rounds = 3

    @Option(help: "Timed repetitions per shape inside each child (after one warm-up); best kept.")
    var repetitions = 3

    @Option(help: "Shapes as MxNxK, comma-separated.")
    var shapes = "2048x2048x2048,576x384x384,576x1536x384,1152x384x1536"

    @Option(help: "Core types to compare against.")
    var coreTypes = "Prescott,Haswell,SkylakeX,Cooperlake"

    @Option(help: .hidden)
    var child: String?

    func run() throws {
        let parsed = try shapes.split(separator: ",").map { spec -> (Int, Int, Int) in
            let parts = spec.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 3, parts.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("bad shape '\(spec)': expected MxNxK, e.g. 2048x2048x2048")
            }
            return (parts[0], parts[1], parts[2])
        }
        if child != nil {
            try measure(parsed)
            return
        }
        // Configurations: Tessera with no variable set (its own choice), OpenBLAS's own
        // detection (TESSERA_BLAS_CORETYPE=off), then each forced type.
        let configurations: [(label: String, coreType: String?, environment: [String: String?])] =
            [("tessera (auto)", nil, ["OPENBLAS_CORETYPE": nil, "TESSERA_BLAS_CORETYPE": nil]),
             ("OpenBLAS's own detection", nil, ["OPENBLAS_CORETYPE": nil, "TESSERA_BLAS_CORETYPE": "off"])]
            + coreTypes.split(separator: ",").map {
                ("OPENBLAS_CORETYPE=\($0)", String($0), ["OPENBLAS_CORETYPE": String($0), "TESSERA_BLAS_CORETYPE": nil])
            }
        var figures = [[[Double]]](repeating: [[Double]](repeating: [], count: parsed.count), count: configurations.count)
        var perCPU = figures
        var coreNames = [String](repeating: "?", count: configurations.count)
        for _ in 0..<rounds {
            for (c, configuration) in configurations.enumerated() {
                let output = try BenchSupport.runSelf(
                    ["gemm", "--child", configuration.coreType ?? "auto", "--shapes", shapes,
                     "--repetitions", String(repetitions)],
                    environment: configuration.environment)
                for line in output.split(separator: "\n") {
                    let words = line.split(separator: " ")
                    if words.first == "core", words.count >= 2 { coreNames[c] = String(words[1]) }
                    if words.first == "shape", words.count == 4, let s = Int(words[1]), let g = Double(words[2]),
                       let gc = Double(words[3]) {
                        figures[c][s].append(g)
                        perCPU[c][s].append(gc)
                    }
                }
            }
        }
        try BLAS.load()
        print("sgemm GFLOP/s, median of \(rounds) rounds (each the best of \(repetitions) after a warm-up), \(Threads.count) threads")
        print("CPU: \(CPUFeatures.current.brand); \(BLAS.config)")
        let header = ["configuration", "core"] + parsed.map { "\($0.0)x\($0.1)x\($0.2)" }
        let medians = figures.map { $0.map { BenchSupport.median($0) } }
        var rows = configurations.enumerated().map { c, configuration in
            [configuration.label, coreNames[c]] + medians[c].map { BenchSupport.format($0) }
        }
        let forced = medians.dropFirst(2)
        let best = parsed.indices.map { s in forced.map { $0[s] }.max() ?? 0 }
        rows.append(["tessera / best forced type", ""] + parsed.indices.map { s in
            BenchSupport.format(100 * medians[0][s] / best[s], 0) + " %"
        })
        print(BenchSupport.table(header, rows))
        // On a shared machine wall time includes waiting for a core; GFLOP per CPU-second
        // (all threads, user + system) measures the kernels themselves.
        print()
        print("GFLOP per CPU-second (kernel efficiency, insensitive to other load), same runs")
        let cpuMedians = perCPU.map { $0.map { BenchSupport.median($0) } }
        var cpuRows = configurations.enumerated().map { c, configuration in
            [configuration.label, coreNames[c]] + cpuMedians[c].map { BenchSupport.format($0) }
        }
        let bestCPU = parsed.indices.map { s in cpuMedians.dropFirst(2).map { $0[s] }.max() ?? 0 }
        cpuRows.append(["tessera / best forced type", ""] + parsed.indices.map { s in
            BenchSupport.format(100 * cpuMedians[0][s] / bestCPU[s], 0) + " %"
        })
        print(BenchSupport.table(header, cpuRows))
    }

    /// Child: time each shape and print "core NAME" and "shape INDEX GFLOPS GFLOP-PER-CPU-S"
    /// lines (both from the fastest repetition by wall time).
    private func measure(_ shapes: [(Int, Int, Int)]) throws {
        try BLAS.load()
        print("core \(BLAS.coreName)")
        for (index, (m, n, k)) in shapes.enumerated() {
            let a = [Float](repeating: 0.5, count: m * k)
            let b = [Float](repeating: 0.25, count: k * n)
            var c = [Float](repeating: 0, count: m * n)
            var best = Double.infinity, bestCPU = Double.infinity
            for repetition in 0...repetitions {
                let cpuBefore = BenchSupport.cpuSeconds()
                let seconds = BenchSupport.time {
                    a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            c.withUnsafeMutableBufferPointer { cp in
                                BLAS.sgemm(m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!,
                                           ldb: n, c: cp.baseAddress!, ldc: n)
                            }
                        }
                    }
                }
                let cpu = BenchSupport.cpuSeconds() - cpuBefore
                if repetition > 0 && seconds < best { (best, bestCPU) = (seconds, max(cpu, 1e-6)) }
            }
            let flops = 2.0 * Double(m) * Double(n) * Double(k)
            print("shape \(index) \(flops / best / 1e9) \(flops / bestCPU / 1e9)")
        }
    }
}
