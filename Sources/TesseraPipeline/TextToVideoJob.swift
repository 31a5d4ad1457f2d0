// One `tessera generate` run from settings to a finished output folder, in the order that
// fails fast: settings validated, output folder checked, model folder opened and its configs
// read, memory estimated — all before a weight is loaded; then load, encode, denoise, decode,
// write, and the folder renamed into place. Any error or cancellation removes the partial
// folder.

import Foundation
import TesseraAutoencoder
import TesseraMedia
import TesseraTensor
import TesseraTransformer

// MARK: - TextToVideoJob

public struct TextToVideoJob: Sendable {
    public var request: GenerationRequest
    /// The model folder; nil: the default model (`ModelFolder.locateDefault()`).
    public var model: URL?
    /// The output folder; nil: `<outputRoot>/<yyyyMMdd-HHmmss>-<slug>-<seed>`.
    public var output: URL?
    public var outputRoot: URL
    public var overwrite: Bool
    public var options: ClipOutputOptions
    /// Initial latents from a safetensors file instead of the seeded noise.
    public var noiseFile: URL?
    /// The prompt encoder's folder.
    public var textEncoderDirectory: URL?
    /// "tessera 0.1.0": written into tags, PNG chunks and metadata.
    public var software: String
    /// Keep every step's predicted clean latents in `trace.safetensors` (`DenoisingTrace`).
    public var trace = false
    /// Write the final latents to `latents.safetensors` (`LatentsFile`).
    public var saveLatents = false

    public init(request: GenerationRequest, model: URL? = nil, output: URL? = nil,
                outputRoot: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("outputs"),
                overwrite: Bool = false, options: ClipOutputOptions = ClipOutputOptions(), noiseFile: URL? = nil,
                textEncoderDirectory: URL? = nil, software: String) {
        self.request = request
        self.model = model
        self.output = output
        self.outputRoot = outputRoot
        self.overwrite = overwrite
        self.options = options
        self.noiseFile = noiseFile
        self.textEncoderDirectory = textEncoderDirectory
        self.software = software
    }

    /// What a finished run reports.
    public struct Result: Sendable {
        public var folder: URL
        public var metadata: ClipMetadata
    }

    /// Runs the job. `warn` receives one-line warnings (memory estimate, truncated prompt).
    public func run(
        cancellation: Cancellation? = nil, progress: ProgressHandler? = nil, warn: (String) -> Void = { _ in }
    ) throws -> Result {
        let started = DispatchTime.now().uptimeNanoseconds
        func seconds(since t: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9 }

        // Before anything loads: settings, output folder, model folder and configs, memory.
        try request.validate()
        let destination = output ?? OutputFolder.defaultURL(root: outputRoot, prompt: request.prompt, seed: request.seed)
        try OutputFolder.checkAvailable(destination, overwrite: overwrite)
        let folder = try model.map { try ModelFolder(url: $0) } ?? ModelFolder.locateDefault()
        let transformerConfig = try WanTransformerConfig.load(from: folder.transformerConfigURL)
        let vaeConfig = try WanVAEConfig.load(from: folder.vaeConfigURL)
        try request.validate(spatialMultiple: vaeConfig.spatialCompression * transformerConfig.patchSize[1],
                             temporalFactor: vaeConfig.temporalCompression * transformerConfig.patchSize[0])
        let estimate = try MemoryEstimate.estimate(request: request, folder: folder)
        if estimate.exceeds() {
            warn("this run is estimated to need \(MemoryEstimate.format(estimate.total)) (weights \(MemoryEstimate.format(estimate.weights)), "
                 + "transformer \(MemoryEstimate.format(estimate.transformer)), VAE \(MemoryEstimate.format(estimate.vae))) "
                 + "but the machine has \(MemoryEstimate.format(MemoryEstimate.physicalMemory)); it may fail or swap — try a smaller size or fewer frames")
        }
        let noise: Tensor? = try noiseFile.map {
            try NoiseFile.load($0, shape: request.latentShape(zDim: vaeConfig.zDim, temporalFactor: vaeConfig.temporalCompression,
                                                              spatialFactor: vaeConfig.spatialCompression))
        }
        let out = try OutputFolder(destination: destination, overwrite: overwrite)
        let cleanup = cancellation?.addCleanup { out.discard() }
        defer { if let cleanup { cancellation?.removeCleanup(cleanup) } }

        do {
            // Load.
            let load = StageClock(stage: .load, total: 1, progress: progress, cancellation: cancellation)
            try load.begin()
            let encoder = try MiniLMPromptStates(directory: textEncoderDirectory ?? MiniLMPromptStates.defaultDirectory)
            let pipeline = try TextToVideoPipeline(folder: folder, promptEncoder: encoder)
            let identity = try ModelIdentity(folder: folder)
            try load.advance()
            let loadSeconds = load.elapsed

            let recorder = trace ? DenoisingTrace.Recorder() : nil
            var clip = try pipeline.generate(request, noise: noise, cancellation: cancellation, progress: progress,
                                             onStep: recorder.map { r in { r.record($0) } })
            if clip.promptTruncated {
                warn("the prompt or negative prompt is longer than the \(folder.promptEncoder.maxLength) tokens \(folder.name) was trained with; the words after them are ignored")
            }
            let write = DispatchTime.now().uptimeNanoseconds
            var files = try ClipWriter.write(clip, into: out, model: identity, options: options, software: software,
                                             cancellation: cancellation, progress: progress)
            clip.seconds[.load] = loadSeconds
            clip.seconds[.write] = seconds(since: write)
            let latentsMetadata = ["model": folder.url.path, "seed": "\(request.seed)", "software": software]
            if let trace = recorder?.trace {
                try trace.write(to: try out.url(for: DenoisingTrace.fileName), metadata: latentsMetadata)
                files.append(DenoisingTrace.fileName)
            }
            if saveLatents {
                try LatentsFile.write(clip.latents, to: try out.url(for: LatentsFile.fileName), metadata: latentsMetadata)
                files.append(LatentsFile.fileName)
            }
            files.append("metadata.json")
            var metadata = makeMetadata(clip, identity: identity, estimate: estimate, files: files)
            metadata.seconds["total"] = (seconds(since: started) * 1000).rounded() / 1000
            metadata.peakMemoryBytes = ClipWriter.peakMemoryBytes()
            try metadata.jsonData().write(to: try out.url(for: "metadata.json"))
            if cancellation?.isCancelled == true { throw PipelineError.cancelled(stage: ProgressEvent.Stage.write.rawValue) }
            try out.commit()
            return Result(folder: destination, metadata: metadata)
        } catch {
            out.discard()
            throw error
        }
    }

    func makeMetadata(_ clip: GeneratedClip, identity: ModelIdentity, estimate: MemoryEstimate, files: [String]) -> ClipMetadata {
        let r = clip.request
        let formatter = ISO8601DateFormatter()
        var seconds: [String: Double] = [:]
        for (stage, value) in clip.seconds { seconds[stage.rawValue] = (value * 1000).rounded() / 1000 }
        return ClipMetadata(
            prompt: r.prompt, negativePrompt: r.negativePrompt, seed: r.seed,
            noise: noiseFile?.path ?? "seed", steps: r.steps, guidance: r.guidance, shift: r.shift ?? 1,
            sampler: (r.sampler ?? .unipc).rawValue, width: r.width, height: r.height, frames: r.frames, fps: r.fps,
            format: options.format.rawValue,
            model: ClipMetadata.Model(name: identity.name, path: identity.path, sha256: identity.sha256,
                                      vaeSHA256: identity.vaeSHA256, promptEncoder: identity.promptEncoder),
            tessera: ClipMetadata.Software(version: software, blasKernel: BLAS.isLoaded ? BLAS.coreName : "not loaded",
                                           threads: Threads.count),
            seconds: seconds, secondsPerStep: (clip.secondsPerStep * 10000).rounded() / 10000,
            peakMemoryBytes: 0, estimatedMemoryBytes: estimate.total, files: files, created: formatter.string(from: Date()))
    }
}
