// `tessera-bench pipeline`: one whole clip, Tessera's TextToVideoPipeline against diffusers
// 0.42.1's WanPipeline on the same model folder, prompt, size, steps, guidance and threads, in
// one run: seconds for prompt encoding, per denoising step, VAE decode and the whole clip
// (encode + denoise + decode; loading and file writing excluded on both sides), and the peak
// resident memory of each side's process.
//
// The model (scripts/bench/wan_pipeline_torch.py --make-model): the 25M-parameter transformer
// of `tessera-bench transformer` (576 tokens at 128x128x33), the base_dim-32 Wan VAE of
// `tessera-bench vae`, Wan's UniPC config, all-MiniLM-L6-v2 states of 64 tokens; seeded random
// weights. The diffusers side runs in a child process first, then Tessera in this one.

import ArgumentParser
import Foundation
import TesseraPipeline
import TesseraTensor

struct PipelineBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Whole clip (128x128, 33 frames, guidance 5): Tessera vs diffusers' WanPipeline, by stage.")

    @Option(help: "Model folder (created with the diffusers script when missing).")
    var model = ".build/bench/pipeline-model"

    @Option(help: "Clips per side; medians are reported.")
    var runs = 3

    @Option(help: "Denoising steps per clip.")
    var steps = 20

    @Option(help: "Threads for both sides (default: every core).")
    var threads: Int?

    @Option(help: "Python interpreter with torch, transformers and diffusers 0.42.1.")
    var python = "python3"

    @Option(help: "The diffusers side's script.")
    var script = "scripts/bench/wan_pipeline_torch.py"

    @Flag(help: "Time Tessera only (the model folder must exist).")
    var swiftOnly = false

    static let prompt = "a red ball bouncing on a blue floor next to a green square"
    static let negative = "blurry, distorted"

    /// Medians per stage: wall seconds, and CPU seconds of all threads (user + system).
    struct Figures {
        var encode: Double, step: Double, decode: Double, total: Double
        var encodeCPU: Double, stepCPU: Double, decodeCPU: Double, totalCPU: Double
        var peak: Int
    }

    func run() throws {
        let threadCount = Threads.configure(threads ?? Threads.cores)
        try BLAS.load()
        let modelURL = URL(fileURLWithPath: model)
        if !FileManager.default.fileExists(atPath: modelURL.path) {
            guard !swiftOnly else { throw BenchError("\(model) does not exist; run without --swift-only to create it") }
            _ = try runPython(["--make-model", model])
        }
        var torch: Figures?
        if !swiftOnly {
            let line = try runPython(["--model", model, "--threads", "\(threadCount)", "--runs", "\(runs)", "--steps", "\(steps)"])
            print("diffusers: \(line)")  // raw figures first, whatever happens next
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let peak = object["peak_rss_bytes"] as? Int
            else { throw BenchError("unexpected output from \(script): \(line)") }
            func value(_ key: String) throws -> Double {
                guard let v = object[key] as? Double else { throw BenchError("\(script) printed no \(key): \(line)") }
                return v
            }
            torch = Figures(encode: try value("encode_s"), step: try value("step_s"), decode: try value("decode_s"),
                            total: try value("total_s"), encodeCPU: try value("encode_cpu_s"),
                            stepCPU: try value("step_cpu_s"), decodeCPU: try value("decode_cpu_s"),
                            totalCPU: try value("total_cpu_s"), peak: peak)
        }

        let folder = try ModelFolder(url: modelURL)
        let loadStart = BenchSupport.now()
        let pipeline = try TextToVideoPipeline(folder: folder, promptEncoder: try MiniLMPromptStates())
        let load = BenchSupport.now() - loadStart
        var encode: [Double] = [], step: [Double] = [], decode: [Double] = [], total: [Double] = []
        var encodeCPU: [Double] = [], stepCPU: [Double] = [], decodeCPU: [Double] = [], totalCPU: [Double] = []
        for run in 0..<runs {
            let request = GenerationRequest(prompt: Self.prompt, negativePrompt: Self.negative, seed: UInt64(run),
                                            steps: steps, guidance: 5, width: 128, height: 128, frames: 33)
            var clip: GeneratedClip?
            // CPU time at each stage's start (the pipeline reports every stage with completed 0).
            var cpuAt: [ProgressEvent.Stage: Double] = [:]
            let cpuStart = BenchSupport.cpuSeconds()
            let seconds = try BenchSupport.time {
                clip = try pipeline.generate(request) { event in
                    if event.completed == 0, cpuAt[event.stage] == nil { cpuAt[event.stage] = BenchSupport.cpuSeconds() }
                    return true
                }
            }
            let cpuEnd = BenchSupport.cpuSeconds()
            encode.append(clip!.seconds[.encodePrompt] ?? 0)
            step.append(clip!.secondsPerStep)
            decode.append(clip!.seconds[.decode] ?? 0)
            total.append(seconds)
            encodeCPU.append(cpuAt[.denoise]! - cpuStart)
            stepCPU.append((cpuAt[.decode]! - cpuAt[.denoise]!) / Double(steps))
            decodeCPU.append(cpuEnd - cpuAt[.decode]!)
            totalCPU.append(cpuEnd - cpuStart)
        }
        let m = BenchSupport.median
        let tessera = Figures(encode: m(encode), step: m(step), decode: m(decode), total: m(total),
                              encodeCPU: m(encodeCPU), stepCPU: m(stepCPU), decodeCPU: m(decodeCPU), totalCPU: m(totalCPU),
                              peak: BenchSupport.peakResidentBytes())

        print("Whole clip: 128x128, 33 frames (576 tokens), \(steps) UniPC steps, guidance 5 (B = 2), "
              + "\(threadCount) threads, median of \(runs) clips; model \(model) "
              + "(transformer \(pipeline.transformer.config.parameterCount / 1_000_000)M parameters, VAE base_dim \(pipeline.vae.config.baseDim))")
        print("CPU: \(CPUFeatures.current.brand); OpenBLAS core \(BLAS.coreName); Tessera load \(BenchSupport.format(load, 2)) s")
        func cells(_ t: Double, _ d: Double?) -> [String] {
            var cells = [BenchSupport.format(t, 3)]
            if let d { cells += [BenchSupport.format(d, 3), BenchSupport.format(d / t, 2) + "x"] }
            return cells
        }
        func row(_ name: String, _ wall: KeyPath<Figures, Double>, _ cpu: KeyPath<Figures, Double>) -> [String] {
            [name] + cells(tessera[keyPath: wall], torch?[keyPath: wall]) + cells(tessera[keyPath: cpu], torch?[keyPath: cpu])
        }
        let mib = { (bytes: Int) in Double(bytes) / 1_048_576 }
        var rows = [
            row("prompt encoding (2 prompts)", \.encode, \.encodeCPU),
            row("denoising step (B = 2)", \.step, \.stepCPU),
            row("VAE decode", \.decode, \.decodeCPU),
            row("whole clip", \.total, \.totalCPU),
        ]
        var memory = ["peak RSS, MiB", BenchSupport.format(mib(tessera.peak), 0)]
        if let torch { memory += [BenchSupport.format(mib(torch.peak), 0), BenchSupport.format(Double(torch.peak) / Double(tessera.peak), 2) + "x"] }
        let header = torch == nil
            ? ["seconds", "Tessera wall", "Tessera CPU"]
            : ["seconds", "Tessera wall", "diffusers wall", "ratio", "Tessera CPU", "diffusers CPU", "ratio"]
        rows.append(memory + Array(repeating: "", count: header.count - memory.count))
        print(BenchSupport.table(header, rows))
        let request = GenerationRequest(prompt: Self.prompt, steps: steps, guidance: 5, width: 128, height: 128, frames: 33)
        let estimate = try MemoryEstimate.estimate(request: request, folder: folder)
        print("Tessera's memory estimate before loading (what `generate` warns against): \(MemoryEstimate.format(estimate.total))")
    }

    /// Runs the diffusers script and returns its last line of output.
    private func runPython(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("`\(python) \(script) \(arguments.joined(separator: " "))` exited with status \(process.terminationStatus); "
                             + "run from the repository root with torch and diffusers 0.42.1, or pass --swift-only")
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
    }
}
