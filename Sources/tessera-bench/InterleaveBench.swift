// `tessera-bench interleave`: a transformer-like alternation of a multi-threaded sgemm and one
// of Tessera's own parallel loops (feed-forward: x·W₁ᵀ, then GELU over the result), with
// OpenBLAS's idle workers parked at once (Tessera's default, OPENBLAS_THREAD_TIMEOUT=4)
// against OpenBLAS's default spin of 2^28 cycles. Each configuration in its own child
// process (OpenBLAS reads the variable when it loads), rounds interleaved.

import ArgumentParser
import Foundation
import TesseraTensor

struct InterleaveBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interleave",
        abstract: "sgemm alternating with a parallel GELU loop: OpenBLAS workers parked vs spinning.")

    @Option(help: "Rounds; each runs every configuration once, interleaved. Medians are reported.")
    var rounds = 3

    @Option(help: "sgemm + GELU iterations per child.")
    var iterations = 100

    @Option(help: "Rows, hidden and feed-forward width: (rows, in) · (ffn, in)ᵀ.")
    var shape = "576x384x1536"

    @Flag(help: .hidden)
    var child = false

    func run() throws {
        let parts = shape.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 3, parts.allSatisfy({ $0 > 0 }), iterations > 0, rounds > 0 else {
            throw ValidationError("--shape must be ROWSxINxFFN (e.g. 576x384x1536); --iterations and --rounds ≥ 1")
        }
        if child {
            try measure(rows: parts[0], inFeatures: parts[1], ffn: parts[2])
            return
        }
        let configurations: [(label: String, timeout: String?)] = [
            ("tessera default (OPENBLAS_THREAD_TIMEOUT=4)", nil),
            ("OPENBLAS_THREAD_TIMEOUT=28 (OpenBLAS default)", "28"),
        ]
        var figures = [[String: [Double]]](repeating: [:], count: configurations.count)
        for _ in 0..<rounds {
            for (c, configuration) in configurations.enumerated() {
                let output = try BenchSupport.runSelf(
                    ["interleave", "--child", "--iterations", String(iterations), "--shape", shape],
                    environment: ["OPENBLAS_THREAD_TIMEOUT": configuration.timeout])
                for line in output.split(separator: "\n") {
                    let words = line.split(separator: " ")
                    if words.count == 2, let value = Double(words[1]) { figures[c][String(words[0]), default: []].append(value) }
                }
            }
        }
        try BLAS.load()
        print("linear \(shape) then GELU tanh over its output, \(iterations) iterations per child, median of \(rounds) rounds, \(Threads.count) threads, core \(BLAS.coreName)")
        let keys = ["sgemm_ms", "gelu_ms", "wall_s", "cpu_s"]
        let rows = configurations.enumerated().map { c, configuration in
            [configuration.label] + keys.map { BenchSupport.format(BenchSupport.median(figures[c][$0] ?? [0]), 2) }
        }
        print(BenchSupport.table(["configuration", "sgemm ms", "gelu ms", "wall s", "CPU s (user+sys)"], rows))
    }

    /// Child: print per-iteration medians and the process's wall and CPU time for the loop.
    private func measure(rows: Int, inFeatures: Int, ffn: Int) throws {
        try BLAS.load()
        let x = [Float](repeating: 0.01, count: rows * inFeatures)
        let w = [Float](repeating: 0.02, count: ffn * inFeatures)
        var y = [Float](repeating: 0, count: rows * ffn)
        var gemmTimes: [Double] = [], loopTimes: [Double] = []
        let cpuBefore = BenchSupport.cpuSeconds()
        let start = BenchSupport.now()
        for _ in 0..<iterations {
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    y.withUnsafeMutableBufferPointer { yp in
                        gemmTimes.append(BenchSupport.time {
                            linear(xp.baseAddress!, rows: rows, inFeatures: inFeatures, weight: wp.baseAddress!,
                                   bias: nil, outFeatures: ffn, into: yp.baseAddress!)
                        })
                        loopTimes.append(BenchSupport.time {
                            gelu(yp.baseAddress!, count: rows * ffn, approximation: .tanh, into: yp.baseAddress!)
                        })
                    }
                }
            }
        }
        print("sgemm_ms \(BenchSupport.median(gemmTimes) * 1000)")
        print("gelu_ms \(BenchSupport.median(loopTimes) * 1000)")
        print("wall_s \(BenchSupport.now() - start)")
        print("cpu_s \(BenchSupport.cpuSeconds() - cpuBefore)")
    }
}
