// `tessera batch`: many clips from a job file (.txt, .jsonl, .yaml) into one output folder,
// resumable and shardable across a cluster. This file parses options and draws progress;
// TesseraJobs does the rest.

import ArgumentParser
import Foundation
import TesseraJobs
import TesseraPipeline

struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render every prompt of a job file; resumable, shardable.",
        discussion: """
            FILE is a prompt file (.txt: one prompt per line, # comments and blank lines ignored), \
            a JSON-lines file (.jsonl: one object per line, `prompt` plus any generate option: \
            negative, seed, seeds, steps, guidance, shift, sampler, width, height, frames, fps, \
            format, and an optional id) or a YAML job file (.yaml: `defaults:` and `jobs:`; a job \
            may list several `seeds`). Unknown keys, wrong types, duplicate ids and files that \
            are not UTF-8 are errors with file and line; an item whose size or option is out of \
            range fails alone and the rest run.

            Each item's seed, unless given, is derived from the base seed (--seed, else \
            defaults.seed, else 0) and its identity (its id, else its index in the file), so a \
            clip never depends on run order, resume or sharding.

            Writes OUT/<index>-<slug>-s<seed>/ (as generate writes them), OUT/manifest.jsonl \
            (one line per item: status, error, seed, seconds, paths, model hash) and \
            OUT/index.html (a gallery). Running the same command again skips items whose \
            outputs are complete (read back, not just present) and redoes partial ones; \
            --force redoes all. The exit status is non-zero when any item failed.

            Sharding: --shard I/N renders the items whose index mod N is I; without it, \
            SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (Slurm job arrays) or JOB_COMPLETION_INDEX \
            with --shards N (Kubernetes Indexed Jobs) are read. Shards write manifest-I-of-N.jsonl; \
            `tessera batch --merge OUT` (or any later unsharded run) combines them.

            Examples:
              tessera batch prompts.txt -o outputs/night
              tessera batch jobs.yaml -o outputs/sweep --batch-size 4
              tessera batch jobs.jsonl -o /shared/out --shard 2/8
              tessera batch --merge /shared/out
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job file (.txt, .jsonl, .yaml); with --merge, the output folder.")
    var file: String

    @Option(name: .shortAndLong, help: "Output folder (default: outputs/<job file name>).")
    var output: String?

    @Option(help: "Base seed the items' seeds are derived from (default: the file's defaults.seed, else 0).")
    var seed: UInt64?

    @Flag(help: "Redo every item, even complete ones.")
    var force = false

    @Option(help: "Render shard I of N (0-based): the items whose index mod N is I.")
    var shard: String?

    @Option(help: "Shard count, with JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs).")
    var shards: Int?

    @Flag(help: "Combine the per-shard manifests of the output folder into manifest.jsonl and rewrite index.html.")
    var merge = false

    @Option(name: .customLong("batch-size"), help: "Render up to N items of the same shape in one transformer batch.")
    var batchSize: Int = 1

    @Option(help: "Model folder in diffusers' layout (default: models/tessera-shapes).")
    var model: String?

    @Option(name: .customLong("text-encoder"), help: "Prompt encoder folder (default: $TESSERA_HOME/text-encoders/all-MiniLM-L6-v2).")
    var textEncoder: String?

    @Option(help: "Video quality, lower is better (H.264 0-51, default 18; VP9 0-63, default 24).")
    var crf: Int?

    @Flag(name: .customLong("no-frames"), help: "Write the videos and metadata only, no PNG frames.")
    var noFrames = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors and the summary.")
    var quiet = false

    func run() throws {
        try global.apply()
        if merge {
            let out = URL(fileURLWithPath: output ?? file)
            let entries = try Manifest.merge(out: out)
            let failed = entries.filter { $0.status == .failed }
            print("\(out.path): \(entries.count) items, \(entries.count - failed.count) done, \(failed.count) failed")
            if !failed.isEmpty { throw ExitCode(1) }
            return
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1 (got \(batchSize)).") }
        let fileURL = URL(fileURLWithPath: file)
        let job = try JobFile(url: fileURL, baseSeed: seed)
        let out = URL(fileURLWithPath: output ?? "outputs/" + fileURL.deletingPathExtension().lastPathComponent)
        let options = BatchOptions(
            out: out, model: model.map { URL(fileURLWithPath: $0) }, textEncoderDirectory: textEncoder.map { URL(fileURLWithPath: $0) },
            shard: try Shard.resolve(flag: shard, shards: shards), force: force, batchSize: batchSize,
            writeFrames: !noFrames, crf: crf, software: "tessera \(TesseraVersion.number)")
        try Self.render(job: job, options: options, quiet: quiet)
    }

    /// Runs `job` with progress on standard error and a summary at the end; exits non-zero
    /// when an item failed or the batch stopped. Also used by `generate --prompt-file`.
    static func render(job: JobFile, options: BatchOptions, quiet: Bool) throws {
        let cancellation = Cancellation.shared
        cancellation.installSignalHandlers()
        let display = BatchProgress(quiet: quiet)
        let summary: BatchSummary
        do {
            summary = try BatchRunner(job: job, options: options).run(cancellation: cancellation, events: display.handle)
        } catch let error as PipelineError {
            display.finish()
            if case .cancelled = error {
                FileHandle.standardError.write(Data("tessera: \(error); completed items are kept, rerun to resume\n".utf8))
                throw ExitCode(128 + (cancellation.signal ?? 2))
            }
            throw error
        }
        display.finish()
        let failures = summary.failures
        let shardText = options.shard.count > 1 ? " (shard \(options.shard))" : ""
        var text = "\(options.out.path)\(shardText): \(summary.total) items, \(summary.done) done "
            + "(\(summary.rendered) rendered, \(summary.skipped) already complete), \(failures.count) failed"
        if summary.entries.count < summary.total { text += ", \(summary.total - summary.entries.count) not run" }
        if let stopped = summary.stoppedBecause { text += "; stopped: \(stopped)" }
        FileHandle.standardError.write(Data((text + "\n").utf8))
        for failure in failures {
            FileHandle.standardError.write(Data("  failed #\(failure.index) \(failure.folder): \(failure.error ?? "?")\n".utf8))
        }
        if !failures.isEmpty || summary.stoppedBecause != nil { throw ExitCode(1) }
    }
}

// MARK: - BatchProgress

/// Batch progress on standard error: on a terminal one live line (done/failed/total, ETA,
/// the current item's stage); otherwise one plain line per item.
final class BatchProgress {
    let quiet: Bool
    let live: Bool
    private var total = 0, done = 0, failed = 0, toRender = 0, rendered = 0
    private let start = Date()
    private var renderStart: Date?
    private var drawn = false

    init(quiet: Bool) {
        self.quiet = quiet
        live = isatty(STDERR_FILENO) != 0
    }

    func handle(_ event: BatchEvent) {
        guard !quiet else { return }
        switch event {
        case let .plan(total, complete, invalid, toRender):
            self.total = total
            self.done = complete
            self.failed = invalid
            self.toRender = toRender
            line("batch: \(total) items, \(complete) already complete, \(invalid) invalid, \(toRender) to render")
        case let .started(items):
            if renderStart == nil { renderStart = Date() }
            if !live { line("rendering " + items.map { "#\($0.index) \($0.folderName)" }.joined(separator: ", ")) }
        case let .progress(items, e):
            guard live else { return }
            let stage = "\(e.stage.rawValue) \(e.completed)/\(e.total)"
            draw("\(bar()) | #\(items.map { String($0.index) }.joined(separator: ",#")) \(stage)")
        case let .finished(entry):
            if entry.status == .done {
                done += 1
                rendered += 1
                line("done #\(entry.index) \(entry.folder)" + (entry.seconds["total"].map { String(format: " (%.1f s)", $0) } ?? ""))
            } else {
                failed += 1
                line("failed #\(entry.index): \(entry.error ?? "?")")
            }
        case let .redo(item, reason):
            line("redoing #\(item.index) \(item.folderName): \(reason)")
        case let .warning(message):
            line("warning: \(message)")
        }
    }

    private func bar() -> String {
        var text = "[\(done) done, \(failed) failed / \(total)]"
        if let renderStart, rendered > 0 {
            let perItem = Date().timeIntervalSince(renderStart) / Double(rendered)
            let left = total - done - failed
            if left > 0 { text += String(format: " ETA %.0f s", perItem * Double(left)) }
        }
        return text
    }

    private func draw(_ text: String) {
        write("\r\u{1B}[2K" + text)
        drawn = true
    }

    private func line(_ text: String) {
        if live, drawn { write("\r\u{1B}[2K") }
        drawn = false
        write(text + "\n")
    }

    func finish() {
        if live, drawn { write("\r\u{1B}[2K") }
        drawn = false
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
