// `tessera-bench embed`: prompt-encoding latency of all-MiniLM-L6-v2, Tessera's PromptEncoder
// against sentence-transformers and transformers (PyTorch) on the same machine, prompts and
// thread count, in one run. The PyTorch side is scripts/bench/minilm_torch.py, run as a child.
//
// Cases: one short video prompt, one prompt truncated to the full 256 tokens, and a batch of
// eight short prompts. Each side times tokenization + encoder (+ pooling for Tessera and
// sentence-transformers); the figure is the median of --runs after warm-ups.

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

        var torch: [String: (st: Double, hf: Double)] = [:]
        var torchLoad: Double?
        if !swiftOnly { (torch, torchLoad) = try runTorch(threads: threadCount) }

        var rows: [[String]] = []
        for (name, prompts) in Self.cases {
            var seconds: [Double] = []
            var lengths: [Int] = []
            for i in 0..<(runs + 3) {
                let elapsed = try BenchSupport.time { lengths = try encoder.encode(batch: prompts).map(\.ids.count) }
                if i >= 3 { seconds.append(elapsed) }
            }
            let tessera = BenchSupport.median(seconds)
            let tokens = lengths.count == 1 ? "\(lengths[0])" : "\(lengths.count) × \(lengths.min()!)-\(lengths.max()!)"
            var row = [name, tokens, BenchSupport.format(tessera * 1000, 2)]
            if let t = torch[name] {
                row += [BenchSupport.format(t.st * 1000, 2), BenchSupport.format(t.hf * 1000, 2),
                        BenchSupport.format(t.st / tessera, 2) + "x"]
            }
            rows.append(row)
        }
        print("Prompt encoding, all-MiniLM-L6-v2 (6 layers, 384 wide), \(threadCount) threads, median of \(runs) runs after 3 warm-ups")
        print("CPU: \(CPUFeatures.current.brand); OpenBLAS core \(BLAS.coreName)")
        let header = swiftOnly
            ? ["case", "tokens", "Tessera ms"]
            : ["case", "tokens", "Tessera ms", "sentence-transformers ms", "transformers ms", "speed-up vs s-t"]
        print(BenchSupport.table(header, rows))
        var load = "Load (weights + tokenizer): Tessera \(BenchSupport.format(loadSeconds, 3)) s"
        if let torchLoad { load += ", sentence-transformers \(BenchSupport.format(torchLoad, 3)) s (after imports)" }
        print(load)
        print("Peak RSS (Tessera process): \(BenchSupport.peakResidentBytes() / (1 << 20)) MiB")
    }

    /// Runs the PyTorch side; returns the medians per case and sentence-transformers' load time.
    private func runTorch(threads: Int) throws -> ([String: (st: Double, hf: Double)], Double?) {
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
        var medians: [String: (st: Double, hf: Double)] = [:]
        var load: Double?
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let name = object["case"] as? String else { continue }
            if name == "load" { load = object["st_load_s"] as? Double; continue }
            if let st = object["st_median_s"] as? Double, let hf = object["hf_median_s"] as? Double { medians[name] = (st, hf) }
        }
        return (medians, load)
    }
}
