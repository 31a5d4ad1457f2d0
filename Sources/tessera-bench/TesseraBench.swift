// `tessera-bench`: one subcommand per benchmark; `all` runs every one. Figures are recorded in
// docs/benchmarks.md with the command that made them. To add a benchmark, put its
// ParsableCommand in its own file here and add one line to `subcommands` (and to `All`).

import ArgumentParser

@main
struct TesseraBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera-bench",
        abstract: "Tessera's benchmarks: medians of several runs, measured side by side in one run.",
        subcommands: [
            All.self,
            GEMMBench.self,
            AttentionBench.self,
            InterleaveBench.self,
            VAEBenchmark.self,
            TransformerBenchmark.self,
            PipelineBenchmark.self,
            EmbedBenchmark.self,
            EncodeBenchmark.self,
            BatchBenchmark.self,
        ]
    )
}

/// Runs every benchmark with its default settings.
struct All: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run every benchmark with its defaults.")

    @Option(name: .customLong("batch-size"), help: "Clips per transformer batch in the batch benchmark.")
    var batchSize = 4

    func run() throws {
        // One line per benchmark, in the order of `TesseraBench.subcommands`.
        let benchmarks: [ParsableCommand.Type] = [
            GEMMBench.self,
            AttentionBench.self,
            InterleaveBench.self,
            VAEBenchmark.self,
            TransformerBenchmark.self,
            PipelineBenchmark.self,
            EmbedBenchmark.self,
            EncodeBenchmark.self,
            BatchBenchmark.self,
        ]
        for benchmark in benchmarks {
            print("== \(benchmark.configuration.commandName ?? "\(benchmark)")")
            var command = try benchmark.parseAsRoot(benchmark == BatchBenchmark.self ? ["--batch-size", "\(batchSize)"] : [])
            try command.run()
            print()
        }
    }
}
