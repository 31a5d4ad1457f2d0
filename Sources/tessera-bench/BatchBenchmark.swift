// `tessera-bench batch`: clips per second of `tessera batch --batch-size N` against one by
// one, on one loaded model, in one run: N clips of the same shape (different prompts and
// seeds) generated one after another, then the same N in one transformer batch (each step
// one forward with B = N, or 2N with guidance), alternating, medians of several runs. Whole
// clips are timed (prompt encoding, denoising, VAE decode; file writing excluded, as it does
// not change with batching); the denoising stage alone is reported beside them.
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

        var single: [Double] = [], batched: [Double] = [], singleDenoise: [Double] = [], batchedDenoise: [Double] = []
        for run in 0..<runs {
            func oneByOne() throws {
                var denoise = 0.0
                single.append(try BenchSupport.time {
                    for r in requests { denoise += try pipeline.generate(r).seconds[.denoise] ?? 0 }
                })
                singleDenoise.append(denoise)
            }
            func together() throws {
                var denoise = 0.0
                batched.append(try BenchSupport.time { denoise = try pipeline.generate(batch: requests)[0].seconds[.denoise] ?? 0 })
                batchedDenoise.append(denoise)
            }
            // Alternate which goes first, so drift in machine load hits both sides.
            if run % 2 == 0 { try oneByOne(); try together() } else { try together(); try oneByOne() }
        }
        let n = Double(batchSize)
        let (s, b) = (BenchSupport.median(single), BenchSupport.median(batched))
        let (sd, bd) = (BenchSupport.median(singleDenoise), BenchSupport.median(batchedDenoise))
        print("batch benchmark: \(batchSize) clips \(width)x\(height), \(frames) frames, \(steps) steps, guidance \(guidance), "
              + "\(Threads.count) threads, BLAS \(BLAS.isLoaded ? BLAS.coreName : "not loaded"), median of \(runs)")
        func row(_ way: String, _ seconds: String, _ rate: String, _ denoise: String) {
            print(way.padding(toLength: 12, withPad: " ", startingAt: 0) + [seconds, rate, denoise].map {
                String(repeating: " ", count: max(0, 16 - $0.count)) + $0
            }.joined())
        }
        row("way", "seconds", "clips/s", "denoise seconds")
        row("one by one", String(format: "%.3f", s), String(format: "%.3f", n / s), String(format: "%.3f", sd))
        row("batch \(batchSize)", String(format: "%.3f", b), String(format: "%.3f", n / b), String(format: "%.3f", bd))
        print(String(format: "speed-up: %.2fx clips/s (denoising alone %.2fx)", s / b, sd / bd))
    }
}
