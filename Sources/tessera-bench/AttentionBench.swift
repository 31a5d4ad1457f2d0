// `tessera-bench attention`: tiled attention (online softmax, never the full score matrix)
// against the materialising form (all (B·H, L, L) scores, one softmax, as PyTorch's math
// path), time and peak memory, each configuration in its own child process.

import ArgumentParser
import Foundation
import TesseraTensor

struct AttentionBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attention",
        abstract: "Self-attention: tiled (online softmax) vs materialised scores, time and peak memory.")

    @Option(help: "Sequence lengths, comma-separated.")
    var lengths = "576,2304,4608"

    @Option(help: "Head dimensions, comma-separated.")
    var headDims = "64,128"

    @Option(help: "Model width (heads = width / head dim).")
    var width = 768

    @Option(help: "Timed runs per configuration (after one warm-up); the median is reported.")
    var runs = 3

    @Option(help: "Query rows per tile of the tiled kernel.")
    var queryTile = AttentionTiling().queryTile

    @Option(help: "Keys per tile of the tiled kernel.")
    var keyTile = AttentionTiling().keyTile

    @Option(help: .hidden)
    var child: String?

    func run() throws {
        let lengthList = lengths.split(separator: ",").compactMap { Int($0) }
        let dimList = headDims.split(separator: ",").compactMap { Int($0) }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard !lengthList.isEmpty, !dimList.isEmpty, dimList.allSatisfy({ width % $0 == 0 }) else {
            throw ValidationError("lengths and head dims must be integers, head dims dividing --width \(width)")
        }
        if let child {
            try measure(kind: child, length: lengthList[0], headDim: dimList[0])
            return
        }
        try BLAS.load()
        print("Self-attention, batch 1, width \(width), tiles \(queryTile)x\(keyTile), median of \(runs) runs after a warm-up, \(Threads.count) threads, core \(BLAS.coreName)")
        print("ms: median wall time; CPU ms: median CPU time of all threads (user + system), insensitive to other load;")
        print("peak RSS is the child process's whole maximum resident set (inputs and output included)")
        var rows: [[String]] = []
        for headDim in dimList {
            for length in lengthList {
                var results: [String: (seconds: Double, cpu: Double, peak: Int)] = [:]
                for kind in ["tiled", "naive"] {
                    let output = try BenchSupport.runSelf([
                        "attention", "--child", kind, "--lengths", String(length), "--head-dims", String(headDim),
                        "--width", String(width), "--runs", String(runs),
                        "--query-tile", String(queryTile), "--key-tile", String(keyTile),
                    ])
                    var seconds = 0.0, cpu = 0.0, peak = 0
                    for line in output.split(separator: "\n") {
                        let words = line.split(separator: " ")
                        if words.count == 2, words[0] == "seconds" { seconds = Double(words[1]) ?? 0 }
                        if words.count == 2, words[0] == "cpu" { cpu = Double(words[1]) ?? 0 }
                        if words.count == 2, words[0] == "peak" { peak = Int(words[1]) ?? 0 }
                    }
                    results[kind] = (seconds, cpu, peak)
                }
                let t = results["tiled"]!, n = results["naive"]!
                rows.append([
                    "L=\(length) D=\(headDim) H=\(width / headDim)",
                    BenchSupport.format(t.seconds * 1000), BenchSupport.format(n.seconds * 1000),
                    BenchSupport.format(n.seconds / t.seconds, 2) + "x",
                    BenchSupport.format(t.cpu * 1000), BenchSupport.format(n.cpu * 1000),
                    "\(t.peak >> 20)", "\(n.peak >> 20)",
                ])
            }
        }
        print(BenchSupport.table(
            ["shape", "tiled ms", "naive ms", "speed-up", "tiled CPU ms", "naive CPU ms", "tiled peak MiB",
             "naive peak MiB"], rows))
    }

    /// Child: run one kind at one shape; print "seconds S" (median) and "peak BYTES".
    private func measure(kind: String, length: Int, headDim: Int) throws {
        try BLAS.load()
        let heads = width / headDim
        let count = length * width
        // A cheap deterministic fill (a hash of the index), not the system generator's syscalls.
        func fill(_ salt: UInt64) -> [Float] {
            (0..<count).map { i in
                var z = (UInt64(i) &+ salt) &* 0x9E37_79B9_7F4A_7C15
                z = (z ^ (z >> 31)) &* 0xBF58_476D_1CE4_E5B9
                return Float(z >> 40) / Float(1 << 23) - 1
            }
        }
        let q = fill(1), k = fill(2), v = fill(3)
        var out = [Float](repeating: 0, count: count)
        let tiling = AttentionTiling(queryTile: queryTile, keyTile: keyTile)
        var times: [Double] = [], cpuTimes: [Double] = []
        for run in 0...runs {
            let cpuBefore = BenchSupport.cpuSeconds()
            let seconds = try q.withUnsafeBufferPointer { qp in
                try k.withUnsafeBufferPointer { kp in
                    try v.withUnsafeBufferPointer { vp in
                        try out.withUnsafeMutableBufferPointer { op in
                            let (qb, kb, vb, ob) = (qp.baseAddress!, kp.baseAddress!, vp.baseAddress!, op.baseAddress!)
                            switch kind {
                            case "tiled":
                                return BenchSupport.time {
                                    scaledDotProductAttention(query: qb, key: kb, value: vb, output: ob, batch: 1,
                                                              heads: heads, queryLength: length, keyLength: length,
                                                              headDim: headDim, tiling: tiling)
                                }
                            case "naive":
                                return BenchSupport.time {
                                    materialisedAttention(q: qb, k: kb, v: vb, out: ob, heads: heads, length: length, headDim: headDim)
                                }
                            default:
                                throw ValidationError("unknown attention kind \(kind)")
                            }
                        }
                    }
                }
            }
            if run > 0 {
                times.append(seconds)
                cpuTimes.append(BenchSupport.cpuSeconds() - cpuBefore)
            }
        }
        print("seconds \(BenchSupport.median(times))")
        print("cpu \(BenchSupport.median(cpuTimes))")
        print("peak \(BenchSupport.peakResidentBytes())")
    }

    /// The materialising form over (1, L, H, D) operands: S = scale·QKᵀ for all heads at once
    /// (H, L, L), softmax over rows, O = P·V.
    private func materialisedAttention(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
        heads: Int, length: Int, headDim: Int
    ) {
        let stride = heads * headDim
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: heads * length * length)
        defer { scores.deallocate() }
        for h in 0..<heads {
            BLAS.sgemm(transA: .none, transB: .transpose, m: length, n: length, k: headDim,
                       alpha: 1 / Float(headDim).squareRoot(), a: q + h * headDim, lda: stride,
                       b: k + h * headDim, ldb: stride, beta: 0, c: scores + h * length * length, ldc: length)
        }
        softmax(scores, rows: heads * length, dim: length, into: scores)
        for h in 0..<heads {
            BLAS.sgemm(transA: .none, transB: .none, m: length, n: headDim, k: length,
                       a: scores + h * length * length, lda: length, b: v + h * headDim, ldb: stride,
                       beta: 0, c: out + h * headDim, ldc: stride)
        }
    }
}
