// `tessera-bench embed`: prompt-encoding latency of all-MiniLM-L6-v2, Tessera's PromptEncoder
// against sentence-transformers and transformers (PyTorch) on the same machine, prompts and
// thread count, in one run. The PyTorch side is scripts/bench/minilm_torch.py, run as a child.
//
// Cases: one short video prompt, one prompt truncated to the full 256 tokens, and a batch of
// eight short prompts. Each side times tokenization + encoder (+ pooling for Tessera and
// sentence-transformers); the figures are the medians over --runs (after warm-ups) of the wall
// time and of the CPU time (user + system of all threads, getrusage / time.process_time), which
// measures the work itself when other processes share the cores.

import ArgumentParser
import Foundation
import TesseraTensor
import TesseraText

struct EmbedBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Prompt encoder (all-MiniLM-L6-v2) latency: Tessera vs sentence-transformers and transformers.")

    @Option(help: "Timed runs per case and side (after 3 warm-ups); the median is reported.")
    var runs = 20

    @Option(help: "Threads for both sides (default: every core).")
    var threads: Int?

    @Option(help: "Python interpreter with torch, transformers and sentence-transformers.")
    var python = "python3"

    @Option(help: "The PyTorch side's script.")
    var script = "scripts/bench/minilm_torch.py"

    @Flag(help: "Time Tessera only (no Python needed).")
    var swiftOnly = false

    static let longText = String(repeating: "A red ball bounces across a sunny grass field while a blue cube slides slowly "
        + "from the left edge to the right edge, the camera following them both in one continuous shot. ", count: 12)

    static let cases: [(name: String, prompts: [String])] = [
        ("short", ["a red ball bouncing on a grass field"]),
        ("256 tokens", [longText]),
        ("batch of 8", [
            "a red ball bouncing on a grass field", "a blue square sliding left across a white background",
            "two green triangles rotating slowly on a black background", "A yellow circle falls and bounces twice.",
            "a small purple star moving from the top left to the bottom right",
            "an orange hexagon spinning clockwise, then stopping", "drone shot of waves crashing on a rocky beach",
            "timelapse of clouds over a mountain range",
        ]),
    ]

    func run() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        let threadCount = Threads.configure(threads ?? Threads.cores)
        try BLAS.load()
        let loadStart = BenchSupport.now()
        let encoder = try PromptEncoder(warn: { _ in })
        let loadSeconds = BenchSupport.now() - loadStart

        var torch: [String: TorchFigures] = [:]
        var torchLoad: Double?
        if !swiftOnly { (torch, torchLoad) = try runTorch(threads: threadCount) }

        var rows: [[String]] = []
        for (name, prompts) in Self.cases {
            var seconds: [Double] = [], cpuSeconds: [Double] = []
            var lengths: [Int] = []
            for i in 0..<(runs + 3) {
                let cpuStart = Self.cpuSeconds()
                let elapsed = try BenchSupport.time { lengths = try encoder.encode(batch: prompts).map(\.ids.count) }
                let cpu = Self.cpuSeconds() - cpuStart
                if i >= 3 { seconds.append(elapsed); cpuSeconds.append(cpu) }
            }
            let tessera = BenchSupport.median(seconds), tesseraCPU = BenchSupport.median(cpuSeconds)
            let tokens = lengths.count == 1 ? "\(lengths[0])" : "\(lengths.count) × \(lengths.min()!)-\(lengths.max()!)"
            func ms(_ s: Double) -> String { BenchSupport.format(s * 1000, 2) }
            var row = [name, tokens, ms(tessera), ms(tesseraCPU)]
            if let t = torch[name] {
                row += [ms(t.st), ms(t.stCPU), ms(t.hf), ms(t.hfCPU),
                        BenchSupport.format(t.st / tessera, 2) + "x", BenchSupport.format(t.stCPU / tesseraCPU, 2) + "x"]
            }
            rows.append(row)
        }
        print("Prompt encoding, all-MiniLM-L6-v2 (6 layers, 384 wide), \(threadCount) threads, median of \(runs) runs after 3 warm-ups;"
              + " cpu = user + system seconds of all threads; speed-ups against sentence-transformers")
        print("CPU: \(CPUFeatures.current.brand); OpenBLAS core \(BLAS.coreName)")
        let header = swiftOnly
            ? ["case", "tokens", "Tessera ms", "cpu ms"]
            : ["case", "tokens", "Tessera ms", "cpu ms", "sent.-transformers ms", "cpu ms", "transformers ms", "cpu ms",
               "speed-up wall", "speed-up cpu"]
        print(BenchSupport.table(header, rows))
        var load = "Load (weights + tokenizer): Tessera \(BenchSupport.format(loadSeconds, 3)) s"
        if let torchLoad { load += ", sentence-transformers \(BenchSupport.format(torchLoad, 3)) s (after imports)" }
        print(load)
        print("Peak RSS (Tessera process): \(BenchSupport.peakResidentBytes() / (1 << 20)) MiB")
    }

    /// Medians of the PyTorch side for one case, seconds.
    struct TorchFigures { var st, stCPU, hf, hfCPU: Double }

    /// CPU seconds (user + system, all threads) this process has used.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }

    /// Runs the PyTorch side; returns the medians per case and sentence-transformers' load time.
    private func runTorch(threads: Int) throws -> ([String: TorchFigures], Double?) {
        let promptsURL = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-embed-bench-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: promptsURL) }
        let cases = Self.cases.map { ["name": $0.name, "prompts": $0.prompts] as [String: Any] }
        try JSONSerialization.data(withJSONObject: ["cases": cases]).write(to: promptsURL)
        let arguments = [script, "--threads", String(threads), "--runs", String(runs), "--prompts", promptsURL.path]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_NUM_THREADS"] = String(threads)
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("`\(python) \(arguments.joined(separator: " "))` exited with status \(process.terminationStatus) (use --swift-only to skip PyTorch)")
        }
        var medians: [String: TorchFigures] = [:]
        var load: Double?
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let name = object["case"] as? String else { continue }
            if name == "load" { load = object["st_load_s"] as? Double; continue }
            if let st = object["st_median_s"] as? Double, let stCPU = object["st_cpu_s"] as? Double,
               let hf = object["hf_median_s"] as? Double, let hfCPU = object["hf_cpu_s"] as? Double {
                medians[name] = TorchFigures(st: st, stCPU: stCPU, hf: hf, hfCPU: hfCPU)
            }
        }
        return (medians, load)
    }
}
