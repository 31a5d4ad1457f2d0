// Denoising traces: each sampling step's predicted clean latents (x0 = x − σ·v), kept while
// `generate --trace` runs, saved as `trace.safetensors`, and decoded by `inspect --steps`
// into one picture of how the clip formed (a steps × frames grid).

import Foundation
import TesseraAutoencoder
import TesseraMedia
import TesseraTensor
import TesseraWeights

/// The predicted clean latents of every step of one clip, in the normalised latent space.
public struct DenoisingTrace: Sendable {
    /// File name inside an output folder.
    public static let fileName = "trace.safetensors"
    /// `format` value in the file's metadata.
    public static let format = "tessera-denoising-trace/1"

    /// (S, z, F', h, w): step s's predicted x0, without the batch axis.
    public var predictedClean: Tensor
    /// The noise level of each step's input latents (the scheduler's sigmas), S values.
    public var sigmas: [Float]
    /// The timestep of each step, S values.
    public var timesteps: [Float]

    public init(predictedClean: Tensor, sigmas: [Float], timesteps: [Float]) {
        precondition(predictedClean.rank == 5 && predictedClean.dim(0) == sigmas.count && sigmas.count == timesteps.count)
        self.predictedClean = predictedClean
        self.sigmas = sigmas
        self.timesteps = timesteps
    }

    public var stepCount: Int { sigmas.count }

    /// Step `s`'s predicted x0 as the VAE takes it: (1, z, F', h, w).
    public func latents(step s: Int) -> Tensor {
        let shape = [1] + Array(predictedClean.shape.dropFirst())
        let count = Tensor.count(of: shape)
        return predictedClean.withUnsafeBufferPointer { Tensor(shape: shape, data: Array($0[(s * count)..<((s + 1) * count)])) }
    }

    // MARK: - Recording

    /// Collects the steps of clip `item` of a run, to be handed to the pipeline's `onStep`.
    public final class Recorder: @unchecked Sendable {
        public let item: Int
        private var steps: [DenoisingStep] = []
        private let lock = NSLock()

        public init(item: Int = 0) { self.item = item }

        /// Keeps `step` if it belongs to this recorder's clip.
        public func record(_ step: DenoisingStep) {
            guard step.item == item else { return }
            lock.lock(); defer { lock.unlock() }
            steps.append(step)
        }

        /// The trace so far (nil before the first step).
        public var trace: DenoisingTrace? {
            lock.lock(); defer { lock.unlock() }
            guard let first = steps.first else { return nil }
            let shape = Array(first.predictedClean.shape.dropFirst())  // (z, F', h, w)
            var data = [Float]()
            data.reserveCapacity(steps.count * Tensor.count(of: shape))
            for s in steps { data += s.predictedClean.data }
            return DenoisingTrace(predictedClean: Tensor(shape: [steps.count] + shape, data: data),
                                  sigmas: steps.map(\.sigma), timesteps: steps.map(\.timestep))
        }
    }

    // MARK: - File

    /// Writes the trace (tensors `predicted_clean` (S, z, F', h, w), `sigmas` (S),
    /// `timesteps` (S); metadata `format` and `extra`) atomically to `url`.
    public func write(to url: URL, metadata extra: [String: String] = [:]) throws {
        var writer = SafetensorsWriter(metadata: extra.merging(["format": Self.format]) { _, new in new })
        try writer.add("predicted_clean", predictedClean)
        try writer.add("sigmas", shape: [sigmas.count], values: sigmas)
        try writer.add("timesteps", shape: [timesteps.count], values: timesteps)
        try writer.write(to: url)
    }

    /// Reads a trace written by `write(to:)`; returns it with the file's metadata.
    public static func load(_ url: URL) throws -> (trace: DenoisingTrace, metadata: [String: String]) {
        let file = try SafetensorsFile(url: url)
        func require(_ name: String, rank: Int) throws -> SafetensorsEntry {
            guard let entry = file.entry(name), entry.shape.count == rank else {
                throw PipelineError.invalidModelFile(
                    path: url.path, reason: "not a denoising trace: tensor '\(name)' of rank \(rank) is missing (write one with `tessera generate --trace`)")
            }
            return entry
        }
        let x0 = try require("predicted_clean", rank: 5)
        let sigmas = try file.floats(try require("sigmas", rank: 1).name)
        let timesteps = try file.floats(try require("timesteps", rank: 1).name)
        guard sigmas.count == x0.shape[0], timesteps.count == x0.shape[0] else {
            throw PipelineError.invalidModelFile(
                path: url.path, reason: "\(x0.shape[0]) steps of latents but \(sigmas.count) sigmas and \(timesteps.count) timesteps")
        }
        let trace = DenoisingTrace(predictedClean: Tensor(shape: x0.shape, data: try file.floats("predicted_clean")),
                                   sigmas: sigmas, timesteps: timesteps)
        return (trace, file.metadata)
    }

    // MARK: - Pictures

    /// Decodes every step's predicted x0 with `vae`: `frames[s][t]` is frame t as step s
    /// predicted it. `progress(done, total)` counts steps.
    public func decode(with vae: WanVAE, progress: ((Int, Int) -> Void)? = nil) throws -> [[RGBImage]] {
        var out: [[RGBImage]] = []
        for s in 0..<stepCount {
            let video = try vae.decode(latents(step: s))  // (1, 3, T, H, W) in [-1, 1]
            out.append(GeneratedClip.frames(from: video))
            progress?(s + 1, stepCount)
        }
        return out
    }

    /// The steps × frames grid: row s is step s's prediction, column t frame t, each cell
    /// `cellWidth` wide (nil: the frame's width) with its frame number, 2 px apart; the first
    /// cell of each row is labelled with the step number instead, as `s/S`.
    public static func grid(_ frames: [[RGBImage]], cellWidth: Int? = nil, spacing: Int = 2) -> RGBImage {
        precondition(!frames.isEmpty && !frames[0].isEmpty && frames.allSatisfy { $0.count == frames[0].count })
        let columns = frames[0].count
        var labels: [String] = []
        for s in frames.indices {
            for t in 0..<columns { labels.append(t == 0 ? "\(s + 1)/\(frames.count)" : "\(t)") }
        }
        return ContactSheet.render(frames.flatMap { $0 }, columns: columns, cellWidth: cellWidth, spacing: spacing,
                                   labels: labels)
    }

    // MARK: - Output folders

    /// The steps × frames grid of a `generate --trace` output folder: reads its
    /// `trace.safetensors`, loads the VAE of `model` (nil: the model folder recorded in the
    /// trace) and decodes every step.
    public static func grid(outputFolder: URL, model: URL? = nil, cellWidth: Int? = nil,
                            progress: ((Int, Int) -> Void)? = nil) throws -> (grid: RGBImage, steps: Int, frames: Int) {
        let url = outputFolder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw PipelineError.modelFileMissing(
                path: url.path, what: "denoising trace",
                hint: "generate the clip with `tessera generate --trace` (a trace keeps every step's predicted clean latents)")
        }
        let (trace, metadata) = try load(url)
        guard let modelURL = model ?? metadata["model"].map({ URL(fileURLWithPath: $0) }) else {
            throw PipelineError.invalidSetting(name: "model", reason: "the trace does not say which model made it; pass --model PATH")
        }
        let vae = try WanVAE(directory: try ModelFolder(url: modelURL).vaeDirectory)
        guard vae.config.zDim == trace.predictedClean.dim(1) else {
            throw PipelineError.invalidModelFile(
                path: modelURL.path, reason: "the VAE's z_dim is \(vae.config.zDim) but the trace's latents have \(trace.predictedClean.dim(1)) channels; pass the model that made the clip with --model")
        }
        let frames = try trace.decode(with: vae, progress: progress)
        return (grid(frames, cellWidth: cellWidth), frames.count, frames[0].count)
    }
}
