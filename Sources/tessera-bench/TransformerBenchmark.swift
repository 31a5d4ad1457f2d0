// `tessera-bench transformer`: seconds per forward of a 25M-parameter Wan transformer at 576
// tokens, Tessera against diffusers 0.42.1 on the same machine and thread count, in one run.
//
// Config (kept in sync with scripts/bench/wan_transformer_torch.py): dim 384 = 6 heads × 64,
// 10 layers, ffn_dim 1536, text_dim 384 (MiniLM), freq_dim 256, cross_attn_norm, patch (1, 2, 2);
// latents (B, 16, 9, 16, 16) → 9·8·8 = 576 tokens; 32 text tokens; B = 1 and B = 2 (CFG).
// Weights are seeded random values (speed does not depend on them); diffusers' side runs as a
// child process and builds its own.

import ArgumentParser
import Foundation
import TesseraTensor
import TesseraTransformer
import TesseraWeights

struct TransformerBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transformer",
        abstract: "Wan transformer forward, 25M parameters at 576 tokens, B = 1 and 2: Tessera vs diffusers.")

    @Option(help: "Timed forwards per side and batch size (after two warm-ups); the median is reported.")
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

        var rows: [[String]] = []
        var torchMedians: [Int: Double] = [:]
        if !swiftOnly {
            torchMedians = try runTorch(threads: threadCount)
        }
        for batch in [1, 2] {
            let latents = Self.noise([batch] + Self.latentShape, seed: 11)
            let states = Self.noise([batch, Self.textTokens, config.textDim], seed: 12)
            let text = try model.prepareText(states)
            let timestep = [Float](repeating: 500, count: batch)
            var seconds: [Double] = []
            for i in 0..<(runs + 2) {
                let elapsed = try BenchSupport.time { _ = try model.forward(latents, timestep: timestep, text: text) }
                if i >= 2 { seconds.append(elapsed) }
            }
            let tessera = BenchSupport.median(seconds)
            var row = ["B = \(batch)", BenchSupport.format(tessera, 3)]
            if let torch = torchMedians[batch] {
                row += [BenchSupport.format(torch, 3), BenchSupport.format(torch / tessera, 2) + "x"]
            }
            rows.append(row)
        }
        print("Wan transformer forward: \(config.parameterCount / 1000)k parameters (dim \(config.innerDim), "
              + "\(config.numLayers) layers, ffn \(config.ffnDim)), latents (B, 16, 9, 16, 16) = 576 tokens, "
              + "\(Self.textTokens) text tokens, \(threadCount) threads, median of \(runs) after 2 warm-ups")
        print("CPU: \(CPUFeatures.current.brand); OpenBLAS core \(BLAS.coreName)")
        let header = swiftOnly ? ["batch", "Tessera s"] : ["batch", "Tessera s", "diffusers s", "speed-up"]
        print(BenchSupport.table(header, rows))
        print("Peak RSS (Tessera process): \(BenchSupport.peakResidentBytes() / (1 << 20)) MiB")
    }

    /// Runs the diffusers side; returns the median seconds per batch size.
    private func runTorch(threads: Int) throws -> [Int: Double] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, "--threads", "\(threads)", "--runs", "\(runs)", "--batch", "1", "--batch", "2"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("`\(python) \(script)` exited with status \(process.terminationStatus); "
                             + "run from the repository root with torch and diffusers 0.42.1, or pass --swift-only")
        }
        var medians: [Int: Double] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let batch = object["batch"] as? Int, let median = object["median_s"] as? Double else { continue }
            medians[batch] = median
        }
        return medians
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
