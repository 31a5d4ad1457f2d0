// Runs a batch: the items of this shard, the model loaded once, complete outputs skipped
// (checked by reading them), partial ones redone, each failure recorded without stopping
// the rest, the manifest rewritten after every item and the gallery at the end.

import Foundation
import TesseraMedia
import TesseraPipeline
import TesseraTensor

// MARK: - BatchOptions

public struct BatchOptions: Sendable {
    /// OUT: item folders, manifests and index.html go here.
    public var out: URL
    /// The model folder (nil: the default model).
    public var model: URL?
    public var textEncoderDirectory: URL?
    public var shard: Shard
    /// Redo every item, complete or not.
    public var force: Bool
    /// Items of the same shape rendered together in one transformer batch (1: one by one).
    public var batchSize: Int
    public var writeFrames: Bool
    public var crf: Int?
    /// "tessera 0.1.0".
    public var software: String

    public init(out: URL, model: URL? = nil, textEncoderDirectory: URL? = nil, shard: Shard = .all, force: Bool = false,
                batchSize: Int = 1, writeFrames: Bool = true, crf: Int? = nil, software: String) {
        self.out = out
        self.model = model
        self.textEncoderDirectory = textEncoderDirectory
        self.shard = shard
        self.force = force
        self.batchSize = batchSize
        self.writeFrames = writeFrames
        self.crf = crf
        self.software = software
    }
}

// MARK: - BatchEvent

/// What a batch reports as it goes.
public enum BatchEvent {
    /// This shard's items: how many are already complete, failed at once (bad settings), to render.
    case plan(total: Int, complete: Int, invalid: Int, toRender: Int)
    /// Items about to render together (one transformer batch).
    case started([BatchItem])
    /// Progress of the current group.
    case progress([BatchItem], ProgressEvent)
    /// An item finished (done or failed); `reason` says why an existing folder was redone.
    case finished(ManifestEntry)
    case redo(BatchItem, reason: String)
    case warning(String)
}

// MARK: - BatchSummary

public struct BatchSummary: Sendable {
    /// This shard's entries, by index.
    public var entries: [ManifestEntry]
    /// This shard's items (entries may be fewer when the batch stopped early).
    public var total: Int
    public var rendered: Int
    public var skipped: Int
    public var failures: [ManifestEntry] { entries.filter { $0.status == .failed } }
    public var done: Int { entries.filter { $0.status == .done }.count }
    /// Set when the batch stopped early (disk full); completed items are intact.
    public var stoppedBecause: String?
}

// MARK: - BatchRunner

public final class BatchRunner {
    public let job: JobFile
    public let options: BatchOptions
    private var entries: [Int: ManifestEntry] = [:]
    private var pipeline: TextToVideoPipeline?
    private var identity: ModelIdentity?
    private var loadSeconds: Double?

    public init(job: JobFile, options: BatchOptions) {
        self.job = job
        self.options = options
    }

    /// The items this shard renders.
    public var items: [BatchItem] { job.items.filter(options.shard.contains) }

    public func run(cancellation: Cancellation? = nil, events: @escaping (BatchEvent) -> Void = { _ in }) throws -> BatchSummary {
        let out = options.out.standardizedFileURL
        try Self.prepare(out: out)
        let previous = try Manifest.combined(in: out)
        let mine = items

        // MARK: Plan: what is complete, what cannot run, what to render
        var pending: [BatchItem] = []
        var skipped = 0, invalid = 0
        for item in mine {
            removeLeftovers(of: item, in: out)
            if let problem = item.problem {
                record(item, status: .failed, error: problem, resumed: false)
                invalid += 1
                continue
            }
            let folder = out.appendingPathComponent(item.folderName, isDirectory: true)
            if !options.force {
                if let reason = OutputCheck.problem(item: item, folder: folder) {
                    if reason != "missing" {
                        events(.redo(item, reason: reason))
                        try? FileManager.default.removeItem(at: folder)
                    }
                } else {
                    var entry = previous[item.index].flatMap { $0.status == .done && $0.folder == item.folderName ? $0 : nil }
                        ?? resumedEntry(item, folder: folder)
                    entry.resumed = true
                    entries[item.index] = entry
                    skipped += 1
                    continue
                }
            }
            pending.append(item)
        }
        events(.plan(total: mine.count, complete: skipped, invalid: invalid, toRender: pending.count))
        try writeManifest(out)

        // MARK: Render, group by group
        var rendered = 0
        var stopped: String?
        for group in Self.groups(pending, size: max(1, options.batchSize)) {
            if cancellation?.isCancelled == true { break }
            do {
                rendered += try render(group, out: out, cancellation: cancellation, events: events)
            } catch let error as PipelineError where error.isCancellation {
                try writeManifest(out)
                throw error
            } catch let error as JobError {
                if case .diskFull = error {
                    stopped = error.description
                    for item in group where entries[item.index] == nil {
                        events(.finished(record(item, status: .failed, error: error.description, resumed: false)))
                    }
                    try? writeManifest(out)
                    break
                }
                throw error
            }
            try writeManifest(out)
        }
        try writeManifest(out)
        let combined = try Manifest.combined(in: out)
        try? Gallery.write(Array(combined.values), to: out)
        return BatchSummary(entries: mine.compactMap { entries[$0.index] }, total: mine.count, rendered: rendered, skipped: skipped, stoppedBecause: stopped)
    }

    // MARK: - Rendering

    /// Renders `group` (items of one shape) in one transformer batch; when the batch fails,
    /// each item is retried alone so one bad item fails only itself. Returns how many are done.
    private func render(_ group: [BatchItem], out: URL, cancellation: Cancellation?,
                        events: @escaping (BatchEvent) -> Void) throws -> Int {
        let pipeline: TextToVideoPipeline
        do { pipeline = try loadPipeline() } catch let error as PipelineError {
            throw error  // no model: nothing can run
        }
        events(.started(group))
        let clips: [GeneratedClip]
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            clips = try pipeline.generate(batch: group.map(\.request), cancellation: cancellation,
                                          progress: { events(.progress(group, $0)); return true })
        } catch let error as PipelineError where error.isCancellation {
            throw error
        } catch {
            if group.count > 1 {
                events(.warning("batch of \(group.count) failed (\(error)); rendering its items one by one"))
                var done = 0
                for item in group { done += try render([item], out: out, cancellation: cancellation, events: events) }
                return done
            }
            events(.finished(record(group[0], status: .failed, error: "\(group[0].location): \(error)", resumed: false)))
            return 0
        }
        let generateSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        var done = 0
        for (item, clip) in zip(group, clips) {
            do {
                try write(clip, item: item, out: out, groupSize: group.count, generateSeconds: generateSeconds,
                          cancellation: cancellation, events: events)
                done += 1
            } catch let error as PipelineError where error.isCancellation {
                throw error
            } catch {
                let message = "\(error)"
                events(.finished(record(item, status: .failed, error: message, resumed: false)))
                if Self.isDiskFull(error) { throw JobError.diskFull(path: out.path, reason: message) }
            }
        }
        return done
    }

    private func loadPipeline() throws -> TextToVideoPipeline {
        if let pipeline { return pipeline }
        let start = DispatchTime.now().uptimeNanoseconds
        let folder = try options.model.map { try ModelFolder(url: $0) } ?? ModelFolder.locateDefault()
        let encoder = try MiniLMPromptStates(directory: options.textEncoderDirectory ?? MiniLMPromptStates.defaultDirectory)
        let loaded = try TextToVideoPipeline(folder: folder, promptEncoder: encoder)
        identity = try ModelIdentity(folder: folder)
        loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        pipeline = loaded
        return loaded
    }

    /// Writes one clip's folder (under a temporary name, renamed when complete).
    private func write(_ clip: GeneratedClip, item: BatchItem, out: URL, groupSize: Int, generateSeconds: Double,
                       cancellation: Cancellation?, events: @escaping (BatchEvent) -> Void) throws {
        guard let identity, let pipeline else { preconditionFailure("write before load") }
        let destination = out.appendingPathComponent(item.folderName, isDirectory: true)
        let folder: OutputFolder
        do { folder = try OutputFolder(destination: destination, overwrite: true) } catch {
            throw JobError.outputUnwritable(path: out.path, reason: "\(error)")
        }
        let cleanup = cancellation?.addCleanup { folder.discard() }
        defer { if let cleanup { cancellation?.removeCleanup(cleanup) } }
        do {
            let writeStart = DispatchTime.now().uptimeNanoseconds
            var files = try ClipWriter.write(clip, into: folder, model: identity,
                                             options: ClipOutputOptions(format: item.format, writeFrames: options.writeFrames, crf: options.crf),
                                             software: options.software, cancellation: cancellation,
                                             progress: { events(.progress([item], $0)); return true })
            files.append("metadata.json")
            var seconds: [String: Double] = [:]
            for (stage, value) in clip.seconds { seconds[stage.rawValue] = Self.ms(value) }
            if let loadSeconds {
                seconds["load"] = Self.ms(loadSeconds)  // counted once, on the first item
                self.loadSeconds = nil
            }
            seconds["write"] = Self.ms(Double(DispatchTime.now().uptimeNanoseconds - writeStart) / 1e9)
            seconds["total"] = Self.ms(generateSeconds / Double(groupSize) + (seconds["write"] ?? 0) + (seconds["load"] ?? 0))
            let estimate = try MemoryEstimate.estimate(request: item.request, folder: pipeline.folder)
            let metadata = try Self.metadata(clip, format: item.format, identity: identity, software: options.software,
                                             seconds: seconds, estimate: estimate.total, files: files, batchSize: groupSize)
            try metadata.jsonData().write(to: try folder.url(for: "metadata.json"))
            if cancellation?.isCancelled == true { throw PipelineError.cancelled(stage: ProgressEvent.Stage.write.rawValue) }
            try folder.commit()
            let entry = ManifestEntry(item: item, status: .done, error: nil, clip: "\(item.folderName)/\(files[0])",
                                      metadata: "\(item.folderName)/metadata.json", seconds: seconds,
                                      modelSHA256: identity.sha256, shard: options.shard, resumed: false)
            entries[item.index] = entry
            events(.finished(entry))
        } catch {
            folder.discard()
            throw error
        }
    }

    /// metadata.json as `tessera generate` writes it (ClipMetadata's keys), plus nothing
    /// batch-specific beyond the seconds.
    static func metadata(_ clip: GeneratedClip, format: VideoFormat, identity: ModelIdentity, software: String,
                         seconds: [String: Double], estimate: Int, files: [String], batchSize: Int) throws -> ClipMetadata {
        let r = clip.request
        let object: [String: Any] = [
            "prompt": r.prompt, "negative_prompt": r.negativePrompt, "seed": r.seed, "noise": "seed", "steps": r.steps,
            "guidance": r.guidance, "shift": r.shift ?? 1, "sampler": (r.sampler ?? .unipc).rawValue, "width": r.width,
            "height": r.height, "frames": r.frames, "fps": r.fps, "format": format.rawValue,
            "model": ["name": identity.name, "path": identity.path, "sha256": identity.sha256,
                      "vae_sha256": identity.vaeSHA256, "prompt_encoder": identity.promptEncoder],
            "tessera": ["version": software, "blas_kernel": BLAS.isLoaded ? BLAS.coreName : "not loaded", "threads": Threads.count],
            "seconds": seconds, "seconds_per_step": (clip.secondsPerStep * 10000).rounded() / 10000,
            "peak_memory_bytes": ClipWriter.peakMemoryBytes(), "estimated_memory_bytes": estimate, "files": files,
            "created": ISO8601DateFormatter().string(from: Date()),
        ]
        return try JSONDecoder().decode(ClipMetadata.self, from: JSONSerialization.data(withJSONObject: object))
    }

    static func ms(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

    // MARK: - Manifest

    @discardableResult
    private func record(_ item: BatchItem, status: ManifestEntry.Status, error: String?, resumed: Bool) -> ManifestEntry {
        let entry = ManifestEntry(item: item, status: status, error: error, clip: nil, metadata: nil, seconds: [:],
                                  modelSHA256: identity?.sha256, shard: options.shard, resumed: resumed)
        entries[item.index] = entry
        return entry
    }

    /// An entry for a complete folder this run did not render (from its metadata.json).
    private func resumedEntry(_ item: BatchItem, folder: URL) -> ManifestEntry {
        let m = (try? Data(contentsOf: folder.appendingPathComponent("metadata.json")))
            .flatMap { try? JSONDecoder().decode(ClipMetadata.self, from: $0) }
        return ManifestEntry(item: item, status: .done, error: nil,
                             clip: "\(item.folderName)/clip.\(item.format.fileExtension)",
                             metadata: "\(item.folderName)/metadata.json", seconds: m?.seconds ?? [:],
                             modelSHA256: m?.model.sha256, shard: options.shard, resumed: true)
    }

    private func writeManifest(_ out: URL) throws {
        do {
            try Manifest.write(Array(entries.values), to: out.appendingPathComponent(Manifest.fileName(for: options.shard)))
        } catch {
            throw JobError.outputUnwritable(path: out.path, reason: "the manifest cannot be written (\(error))")
        }
    }

    // MARK: - Helpers

    /// Creates OUT and checks that a file can be written in it.
    static func prepare(out: URL) throws {
        let fm = FileManager.default
        do { try fm.createDirectory(at: out, withIntermediateDirectories: true) } catch {
            throw JobError.outputUnwritable(path: out.path, reason: (error as NSError).localizedFailureReason ?? "cannot create it")
        }
        let probe = out.appendingPathComponent(".tessera-write-check-\(ProcessInfo.processInfo.processIdentifier)")
        guard fm.createFile(atPath: probe.path, contents: Data()) else {
            throw JobError.outputUnwritable(path: out.path, reason: "a file cannot be created in it")
        }
        try? fm.removeItem(at: probe)
    }

    /// Removes what a killed run left of `item`: its `.<folder>.partial-*` and `.old-*`
    /// folders (only this item's, so shards running beside this one are not disturbed).
    private func removeLeftovers(of item: BatchItem, in out: URL) {
        let prefix = ".\(item.folderName)."
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        for name in names where name.hasPrefix(prefix) && (name.contains(".partial-") || name.contains(".old-")) {
            try? FileManager.default.removeItem(at: out.appendingPathComponent(name))
        }
    }

    /// Pending items grouped by shape (first appearance order), in chunks of `size`.
    public static func groups(_ items: [BatchItem], size: Int) -> [[BatchItem]] {
        var order: [String] = []
        var byShape: [String: [BatchItem]] = [:]
        for item in items {
            if byShape[item.shapeKey] == nil { order.append(item.shapeKey) }
            byShape[item.shapeKey, default: []].append(item)
        }
        return order.flatMap { key -> [[BatchItem]] in
            let list = byShape[key]!
            return stride(from: 0, to: list.count, by: size).map { Array(list[$0..<min($0 + size, list.count)]) }
        }
    }

    static func isDiskFull(_ error: Error) -> Bool {
        let text = "\(error) \((error as NSError).localizedDescription)"
        return (error as NSError).code == Int(ENOSPC) || text.contains("No space left")
    }
}

extension PipelineError {
    var isCancellation: Bool {
        if case .cancelled = self { return true }
        return false
    }
}
