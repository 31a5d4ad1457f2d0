// `tessera-bench vae`: decoding a 33x128x128 clip (9 latent frames of 16x16, z_dim 16) with a
// base_dim-32 Wan VAE, Tessera against diffusers 0.42.1 on the same weights, latents, machine
// and thread count, in one run: seconds per decode (median), peak memory, and the PSNR of
// Tessera's frames against diffusers'.
//
// diffusers' side is scripts/bench/wan_vae_torch.py, run as a child process; it also writes the
// model (seeded random weights) and the latents that the Swift side then loads.

import ArgumentParser
import Foundation
import TesseraAutoencoder
import TesseraTensor
import TesseraWeights

struct VAEBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Wan VAE decode of a 33x128x128 clip (base_dim 32): Tessera vs diffusers, seconds and peak memory.")

    @Option(help: "Timed decodes per side (after one warm-up); the median is reported.")
    var runs = 3

    @Option(help: "Threads for both sides (default: every core).")
    var threads: Int?

    @Option(help: "Python interpreter with torch and diffusers 0.42.1.")
    var python = "python3"

    @Option(help: "The diffusers side's script.")
    var script = "scripts/bench/wan_vae_torch.py"

    @Option(help: "Bytes of unrolled input per conv3d tile and thread (tuning; default: the kernel's).")
    var tileBudget: Int?

    @Flag(help: "Time Tessera only, on a model with seeded random weights (no Python needed).")
    var swiftOnly = false

    func run() throws {
        let threadCount = Threads.configure(threads ?? Threads.cores)
        if let tileBudget { conv3dTileBudgetBytes = tileBudget }
        try BLAS.load()
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("tessera-vae-bench-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        // diffusers first: it writes the weights and latents both sides decode.
        var torch: [String: Any]? = nil
        let vae: WanVAE
        var latents: Tensor
        var reference: Tensor? = nil
        if swiftOnly {
            vae = try Self.randomVAE()
            latents = Tensor(zeros: [1, 16, 9, 16, 16])
            var state: UInt64 = 7
            for i in 0..<latents.count {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                latents.data[i] = Float(Int32(truncatingIfNeeded: state >> 33)) / Float(Int32.max)
            }
        } else {
            torch = try runTorch(folder: folder, threads: threadCount)
            vae = try WanVAE(directory: folder.appendingPathComponent("vae"))
            let io = try SafetensorsFile(url: folder.appendingPathComponent("io.safetensors"))
            latents = try io.tensor("latents")
            reference = try io.tensor("decoded")
        }

        let before = Self.residentBytes()
        var seconds: [Double] = []
        var cpu: [Double] = []
        var video = Tensor(zeros: [0])
        for i in 0..<(runs + 1) {
            let cpu0 = Self.cpuSeconds()
            let elapsed = try BenchSupport.time { video = try vae.decodeRaw(latents) }
            if i > 0 {
                seconds.append(elapsed)
                cpu.append(Self.cpuSeconds() - cpu0)
            }
        }
        let peak = BenchSupport.peakResidentBytes()

        print("Wan VAE decode, latents \(latents.shape) -> video \(video.shape), base_dim 32, z_dim 16, "
              + "\(threadCount) threads, median of \(runs) after a warm-up")
        print("CPU: \(CPUFeatures.current.brand); OpenBLAS core \(BLAS.coreName)")
        let mib = { (bytes: Int) in BenchSupport.format(Double(bytes) / 1_048_576, 0) }
        let swiftMedian = BenchSupport.median(seconds)
        var rows = [[
            "tessera", BenchSupport.format(swiftMedian, 2), seconds.map { BenchSupport.format($0, 2) }.joined(separator: " "),
            BenchSupport.format(BenchSupport.median(cpu), 1), mib(peak), mib(peak - before),
        ]]
        if let torch, let median = torch["median_s"] as? Double, let torchRuns = torch["runs"] as? [Double],
           let torchPeak = torch["peak_rss_bytes"] as? Int, let torchBefore = torch["rss_before_decode_bytes"] as? Int {
            rows.append([
                "diffusers", BenchSupport.format(median, 2), torchRuns.map { BenchSupport.format($0, 2) }.joined(separator: " "),
                torch["cpu_s"].flatMap { $0 as? Double }.map { BenchSupport.format($0, 1) } ?? "-",
                mib(torchPeak), mib(torchPeak - torchBefore),
            ])
            print(BenchSupport.table(
                ["side", "median s", "runs s", "cpu s/decode", "peak RSS MiB", "decode RSS growth MiB"], rows))
            print("speed-up: \(BenchSupport.format(median / swiftMedian, 2))x; peak memory ratio "
                  + "tessera/diffusers: \(BenchSupport.format(Double(peak) / Double(torchPeak), 2))")
        } else {
            print(BenchSupport.table(
                ["side", "median s", "runs s", "cpu s/decode", "peak RSS MiB", "decode RSS growth MiB"], rows))
        }
        if let reference {
            var mse = 0.0
            for i in 0..<video.count { let d = Double(video.data[i] - reference.data[i]); mse += d * d }
            mse /= Double(video.count)
            print("PSNR of Tessera's frames against diffusers': \(BenchSupport.format(10 * log10(4 / mse), 1)) dB")
        }
    }

    /// Runs the diffusers side and parses its JSON line.
    private func runTorch(folder: URL, threads: Int) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, "--threads", String(threads), "--runs", String(runs),
                             "--save", folder.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw BenchError("`\(python) \(script)` failed (status \(process.terminationStatus)); "
                             + "run from the repository root with torch and diffusers 0.42.1 installed, or pass --swift-only")
        }
        return json
    }

    /// A base_dim-32 Wan VAE with seeded random weights, built in memory.
    static func randomVAE() throws -> WanVAE {
        let config = WanVAEConfig(baseDim: 32, zDim: 16)
        // Ask the model for its keys and shapes by loading an empty checkpoint, then fill them.
        var writer = SafetensorsWriter()
        let empty = try WeightStore(files: [SafetensorsFile(bytes: writer.serialized(), name: "empty")], source: "empty")
        _ = try WanVAE(config: config, source: empty)
        guard case .failure(let error as WeightStoreError) = Result(catching: { try empty.finish() }) else {
            throw BenchError("could not list the VAE's tensors")
        }
        var state: UInt64 = 1
        for case .missing(let key, let shape?) in error.problems {
            let count = shape.reduce(1, *)
            let fanIn = max(1, count / max(1, shape[0]))
            let scale = key.hasSuffix("gamma") ? 0 : 1 / Float(fanIn).squareRoot()
            var values = [Float](repeating: key.hasSuffix("gamma") ? 1 : 0, count: count)
            if scale > 0 {
                for i in 0..<count {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    values[i] = scale * Float(Int32(truncatingIfNeeded: state >> 33)) / Float(Int32.max)
                }
            }
            try writer.add(key, shape: shape, values: values)
        }
        let store = try WeightStore(files: [SafetensorsFile(bytes: writer.serialized(), name: "random")], source: "random")
        return try WanVAE(config: config, weights: store)
    }

    /// User + system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }

    /// Current resident memory (from /proc/self/statm).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }
}
