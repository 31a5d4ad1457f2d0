// `tessera-bench transformer`: seconds per forward of a 25M-parameter Wan transformer at 576
// tokens, Tessera against diffusers 0.42.1 on the same machine and thread count, in one run.
//
// Config (kept in sync with scripts/bench/wan_transformer_torch.py): dim 384 = 6 heads × 64,
// 10 layers, ffn_dim 1536, text_dim 384 (MiniLM), freq_dim 256, cross_attn_norm, patch (1, 2, 2);
// latents (B, 16, 9, 16, 16) → 9·8·8 = 576 tokens; 32 text tokens; B = 1 and B = 2 (CFG).
// Weights are seeded random values (speed does not depend on them); diffusers' side runs as a
// child process (scripts/bench/wan_transformer_torch.py) that builds its own and runs one forward
// per request, so the two sides alternate and share whatever load the machine has. Wall and
// process CPU seconds are reported for both; prepareText (run once per clip) is timed apart.

import ArgumentParser
import Foundation
import TesseraTensor
import TesseraTransformer
import TesseraWeights

struct TransformerBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transformer",
        abstract: "Wan transformer forward, 25M parameters at 576 tokens, B = 1 and 2: Tessera vs diffusers.")

    @Option(help: "Timed rounds per batch size (after two warm-ups); the median is reported.")
    var runs = 7

    @Option(help: "Threads for both sides (default: every core).")
    var threads: Int?

    @Option(help: "Python interpreter with torch and diffusers 0.42.1.")
    var python = "python3"

    @Option(help: "The diffusers side's script.")
    var script = "scripts/bench/wan_transformer_torch.py"

    @Flag(help: "Time Tessera only (no Python needed).")
    var swiftOnly = false

    static let benchmarkConfig = WanTransformerConfig(
        patchSize: [1, 2, 2], numAttentionHeads: 6, attentionHeadDim: 64, inChannels: 16, outChannels: 16,
        textDim: 384, freqDim: 256, ffnDim: 1536, numLayers: 10, crossAttnNorm: true)
    static let latentShape = [16, 9, 16, 16]
    static let textTokens = 32

    func run() throws {
        let threadCount = Threads.configure(threads ?? Threads.cores)
        try BLAS.load()
        let config = Self.benchmarkConfig
        let model = try WanTransformer(config: config, weights: Self.randomWeights(config))
        let torch = swiftOnly ? nil : try TorchSide(python: python, script: script, threads: threadCount)

        // Per batch size: warm-ups, then `runs` rounds of one Tessera forward and one diffusers
        // forward back to back, so both sides see the same load on a shared machine.
        var rows: [[String]] = []
        for batch in [1, 2] {
            let latents = Self.noise([batch] + Self.latentShape, seed: 11)
            let states = Self.noise([batch, Self.textTokens, config.textDim], seed: 12)
            let timestep = [Float](repeating: 500, count: batch)
            var ours: [(wall: Double, cpu: Double)] = [], theirs: [(wall: Double, cpu: Double)] = []
            var textSeconds: [Double] = []
            for i in 0..<(runs + 2) {
                var text: WanTextConditioning?
                let textTime = try BenchSupport.time { text = try model.prepareText(states) }
                let cpu0 = Self.cpuSeconds()
                let wall = try BenchSupport.time { _ = try model.forward(latents, timestep: timestep, text: text!) }
                let cpu = Self.cpuSeconds() - cpu0
                let other = try torch?.forward(batch: batch)
                if i >= 2 {
                    ours.append((wall, cpu))
                    textSeconds.append(textTime)
                    if let other { theirs.append(other) }
                }
            }
            let wall = BenchSupport.median(ours.map(\.wall)), cpu = BenchSupport.median(ours.map(\.cpu))
            var row = ["B = \(batch)", BenchSupport.format(wall, 3), BenchSupport.format(cpu, 3),
                       BenchSupport.format(BenchSupport.median(textSeconds) * 1000, 1)]
            if !theirs.isEmpty {
                let torchWall = BenchSupport.median(theirs.map(\.wall)), torchCPU = BenchSupport.median(theirs.map(\.cpu))
                row += [BenchSupport.format(torchWall, 3), BenchSupport.format(torchCPU, 3),
                        BenchSupport.format(torchWall / wall, 2) + "x"]
            }
            rows.append(row)
        }
        let torchPeak = try torch?.finish()
        print("Wan transformer forward: \(config.parameterCount / 1000)k parameters (dim \(config.innerDim), "
              + "\(config.numLayers) layers, ffn \(config.ffnDim)), latents (B, 16, 9, 16, 16) = 576 tokens, "
              + "\(Self.textTokens) text tokens, \(threadCount) threads; median of \(runs) rounds after 2 warm-ups, "
              + "the two sides alternating forward by forward")
        print("CPU: \(CPUFeatures.current.brand); OpenBLAS core \(BLAS.coreName); load average \(Self.loadAverage())")
        var header = ["batch", "Tessera s", "Tessera CPU s", "prepareText ms"]
        if torch != nil { header += ["diffusers s", "diffusers CPU s", "speed-up"] }
        print(BenchSupport.table(header, rows))
        var memory = "Peak RSS: Tessera \(BenchSupport.peakResidentBytes() / (1 << 20)) MiB"
        if let torchPeak { memory += ", diffusers \(torchPeak / (1 << 20)) MiB" }
        print(memory)
    }

    /// Process CPU time (all threads), in seconds.
    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// The 1-minute load average, as text.
    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
    }

    /// diffusers in a child process that runs one forward per request (the script's serving mode).
    final class TorchSide {
        private let process = Process()
        private let input = Pipe(), output = Pipe()
        private var buffer = Data()

        init(python: String, script: String, threads: Int) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python, script, "--threads", "\(threads)"]
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            guard let ready = try readObject(), ready["ready"] as? Bool == true else {
                throw BenchError("`\(python) \(script)` did not start; run from the repository root with torch and "
                                 + "diffusers 0.42.1 installed, or pass --swift-only")
            }
        }

        /// One forward at `batch`: (wall seconds, CPU seconds).
        func forward(batch: Int) throws -> (wall: Double, cpu: Double) {
            input.fileHandleForWriting.write(Data("\(batch)\n".utf8))
            guard let reply = try readObject(), let wall = reply["seconds"] as? Double,
                  let cpu = reply["cpu_seconds"] as? Double
            else { throw BenchError("the diffusers side stopped answering") }
            return (wall, cpu)
        }

        /// Closes the child's input; returns its peak resident memory in bytes.
        func finish() throws -> Int {
            try input.fileHandleForWriting.close()
            let peak = try readObject()?["peak_rss_bytes"] as? Int ?? 0
            process.waitUntilExit()
            return peak
        }

        private func readObject() throws -> [String: Any]? {
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = buffer[buffer.startIndex..<newline]
                    buffer.removeSubrange(buffer.startIndex...newline)
                    return try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
                }
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { return nil }
                buffer.append(chunk)
            }
        }
    }

    /// A checkpoint of `config` with seeded uniform random weights in ±0.05 (norm weights 1).
    static func randomWeights(_ config: WanTransformerConfig) throws -> WeightStore {
        let d = config.innerDim, p = config.patchSize
        var shapes: [(String, [Int])] = [
            ("patch_embedding.weight", [d, config.inChannels] + p), ("patch_embedding.bias", [d]),
            ("condition_embedder.time_embedder.linear_1.weight", [d, config.freqDim]),
            ("condition_embedder.time_embedder.linear_1.bias", [d]),
            ("condition_embedder.time_embedder.linear_2.weight", [d, d]),
            ("condition_embedder.time_embedder.linear_2.bias", [d]),
            ("condition_embedder.time_proj.weight", [6 * d, d]), ("condition_embedder.time_proj.bias", [6 * d]),
            ("condition_embedder.text_embedder.linear_1.weight", [d, config.textDim]),
            ("condition_embedder.text_embedder.linear_1.bias", [d]),
            ("condition_embedder.text_embedder.linear_2.weight", [d, d]),
            ("condition_embedder.text_embedder.linear_2.bias", [d]),
            ("proj_out.weight", [config.resolvedOutChannels * config.patchVolume, d]),
            ("proj_out.bias", [config.resolvedOutChannels * config.patchVolume]),
            ("scale_shift_table", [1, 2, d]),
        ]
        for i in 0..<config.numLayers {
            let b = "blocks.\(i)"
            shapes.append(("\(b).scale_shift_table", [1, 6, d]))
            for attn in ["attn1", "attn2"] {
                for name in ["to_q", "to_k", "to_v", "to_out.0"] {
                    shapes += [("\(b).\(attn).\(name).weight", [d, d]), ("\(b).\(attn).\(name).bias", [d])]
                }
                shapes += [("\(b).\(attn).norm_q.weight", [d]), ("\(b).\(attn).norm_k.weight", [d])]
            }
            if config.crossAttnNorm { shapes += [("\(b).norm2.weight", [d]), ("\(b).norm2.bias", [d])] }
            shapes += [("\(b).ffn.net.0.proj.weight", [config.ffnDim, d]), ("\(b).ffn.net.0.proj.bias", [config.ffnDim]),
                       ("\(b).ffn.net.2.weight", [d, config.ffnDim]), ("\(b).ffn.net.2.bias", [d])]
        }
        var writer = SafetensorsWriter()
        for (index, (name, shape)) in shapes.enumerated() {
            var tensor = noise(shape, seed: UInt64(100 + index), amplitude: 0.05)
            if name.contains("norm") { tensor = Tensor(repeating: 1, shape: shape) }
            try writer.add(name, tensor)
        }
        let file = try SafetensorsFile(bytes: writer.serialized(), name: "random-wan-transformer.safetensors")
        return try WeightStore(files: [file], source: "random-wan-transformer.safetensors")
    }

    /// Uniform values in ±amplitude from a seeded LCG.
    static func noise(_ shape: [Int], seed: UInt64, amplitude: Float = 1) -> Tensor {
        var tensor = Tensor(zeros: shape)
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        for i in 0..<tensor.count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            tensor.data[i] = amplitude * (Float(state >> 40) / Float(1 << 24) * 2 - 1)
        }
        return tensor
    }
}
