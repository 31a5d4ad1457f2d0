// `tessera-bench batch`: clips per second of `tessera batch --batch-size N` against one by
// one, on one loaded model, in one run: N clips of the same shape (different prompts and
// seeds) generated one after another, then the same N in one transformer batch (each step
// one forward with B = N, or 2N with guidance), with the N clips decoded one after another
// (each over every thread) and side by side (one per thread, as `tessera batch` does), in
// rotating order, medians of several runs. Whole clips are timed (prompt encoding, denoising,
// VAE decode; file writing excluded, as it does not change with batching); the process's CPU
// seconds and each stage's seconds are reported beside them.
//
// The model: the 25M-parameter Wan transformer and base_dim-32 VAE of `tessera-bench
// pipeline` (made by scripts/bench/wan_pipeline_torch.py --make-model).

import ArgumentParser
import Foundation
import TesseraPipeline
import TesseraTensor

struct BatchBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Clips/s of batched generation (--batch-size N) against one by one, same model and clips.")

    @Option(help: "Model folder (tessera-bench pipeline's, made by scripts/bench/wan_pipeline_torch.py --make-model).")
    var model = ".build/bench/pipeline-model"

    @Option(name: .customLong("batch-size"), help: "Clips per transformer batch.")
    var batchSize = 4

    @Option(help: "Runs of each way; medians are reported.")
    var runs = 3

    @Option(help: "Denoising steps per clip.")
    var steps = 20

    @Option var width = 64
    @Option var height = 64
    @Option var frames = 9

    @Option(help: "Guidance scale (above 1: the negative prompt is batched too, B = 2N).")
    var guidance = 5.0

    @Option(help: "Threads (default: every core).")
    var threads: Int?

    static let prompts = ["a red ball bouncing on a blue floor", "a green square sliding to the left",
                          "two yellow circles orbiting each other", "a purple triangle spinning slowly",
                          "a white star drifting across a black sky", "an orange cube rolling down a ramp",
                          "a blue ring pulsing in the centre", "three dots chasing each other"]

    func run() throws {
        if let threads { Threads.configure(threads) }
        let folder = try ModelFolder(url: URL(fileURLWithPath: model))
        let pipeline = try TextToVideoPipeline(folder: folder, promptEncoder: try MiniLMPromptStates())
        let requests = (0..<batchSize).map { i in
            GenerationRequest(prompt: Self.prompts[i % Self.prompts.count], negativePrompt: "blurry", seed: UInt64(100 + i),
                              steps: steps, guidance: guidance, width: width, height: height, frames: frames)
        }
        // Warm-up (BLAS loaded, caches and workspaces sized).
        _ = try pipeline.generate(requests[0])

        // Three ways, side by side: one by one; batch N with the clips decoded one after
        // another over every thread (as before concurrent decoding); batch N as `tessera
        // batch` runs it now (clips decoded side by side, one per thread).
        struct Way {
            let name: String
            var wall: [Double] = [], cpu: [Double] = []
            var stages: [ProgressEvent.Stage: [Double]] = [:]
            init(_ name: String) { self.name = name }
            mutating func measure(_ body: () throws -> [ProgressEvent.Stage: Double]) rethrows {
                let cpu0 = BenchSupport.cpuSeconds()
                var split: [ProgressEvent.Stage: Double] = [:]
                wall.append(try BenchSupport.time { split = try body() })
                cpu.append(BenchSupport.cpuSeconds() - cpu0)
                for (stage, seconds) in split { stages[stage, default: []].append(seconds) }
            }
            func median(_ stage: ProgressEvent.Stage) -> Double { BenchSupport.median(stages[stage] ?? [0]) }
        }
        let timed: [ProgressEvent.Stage] = [.encodePrompt, .denoise, .decode]
        func sum(_ clips: [GeneratedClip]) -> [ProgressEvent.Stage: Double] {
            // A batch's stage seconds are the group's (the same on every clip); one by one, add them.
            Dictionary(uniqueKeysWithValues: timed.map { stage in (stage, clips.reduce(0) { $0 + ($1.seconds[stage] ?? 0) }) })
        }
        var ways = [Way("one by one"), Way("batch \(batchSize), decode one clip at a time"), Way("batch \(batchSize)")]
        let measure: [(inout Way) throws -> Void] = [
            { way in try way.measure { sum(try requests.map { try pipeline.generate($0) }) } },
            { way in
                pipeline.concurrentDecode = false
                defer { pipeline.concurrentDecode = true }
                try way.measure { try pipeline.generate(batch: requests)[0].seconds }
            },
            { way in try way.measure { try pipeline.generate(batch: requests)[0].seconds } },
        ]
        for run in 0..<runs {
            // Rotate which goes first, so drift in machine load hits every way.
            for k in 0..<ways.count {
                let w = (run + k) % ways.count
                try measure[w](&ways[w])
            }
        }
        let n = Double(batchSize)
        print("batch benchmark: \(batchSize) clips \(width)x\(height), \(frames) frames, \(steps) steps, guidance \(guidance), "
              + "\(Threads.count) threads, BLAS \(BLAS.isLoaded ? BLAS.coreName : "not loaded"), median of \(runs)")
        let base = BenchSupport.median(ways[0].wall)
        var rows: [[String]] = []
        for way in ways {
            let wall = BenchSupport.median(way.wall)
            rows.append([way.name, String(format: "%.3f", wall), String(format: "%.3f", n / wall), String(format: "%.2fx", base / wall),
                         String(format: "%.3f", BenchSupport.median(way.cpu))]
                        + timed.map { String(format: "%.3f", way.median($0)) })
        }
        print(BenchSupport.table(["way", "seconds", "clips/s", "speed-up", "CPU s", "prompts s", "denoise s", "decode s"], rows))
        let last = ways[ways.count - 1], before = ways[1]
        print(String(format: "batch %d against one by one: %.2fx clips/s (denoising alone %.2fx, decoding alone %.2fx; "
                     + "decoding one clip at a time: %.2fx)", batchSize, base / BenchSupport.median(last.wall),
                     ways[0].median(.denoise) / last.median(.denoise), ways[0].median(.decode) / last.median(.decode),
                     base / BenchSupport.median(before.wall)))
    }
}
