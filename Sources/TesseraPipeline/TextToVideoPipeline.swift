// Text to video, wired as diffusers 0.42.1 `WanPipeline.__call__` wires it
// (diffusers/pipelines/wan/pipeline_wan.py): prompt states zero-padded to the model's length;
// classifier-free guidance `uncond + g · (cond − uncond)` when g > 1, here with prompt and
// negative prompt in one batched transformer forward (B = 2) and their cross-attention keys
// and values computed once per clip; latents (1, z_dim, (F−1)/4+1, H/8, W/8) from Tessera's
// seeded noise; the scheduler loop; `latents · std + mean` and the VAE decode; frames to
// [0, 255] as `VideoProcessor.postprocess_video` and `numpy_to_pil` do.

import Foundation
import TesseraAutoencoder
import TesseraSampling
import TesseraTensor
import TesseraTransformer
import TesseraWeights

// MARK: - TextToVideoPipeline

/// A loaded model: transformer, VAE, scheduler config and prompt encoder.
///
/// ```swift
/// let folder = try ModelFolder(url: modelURL)
/// let pipeline = try TextToVideoPipeline(folder: folder, promptEncoder: MiniLMPromptStates())
/// let clip = try pipeline.generate(GenerationRequest(prompt: "a red ball bouncing", seed: 42))
/// ```
public final class TextToVideoPipeline: @unchecked Sendable {
    public let folder: ModelFolder
    public let transformer: WanTransformer
    public let vae: WanVAE
    public let schedulerConfig: SchedulerConfig
    public let promptEncoder: (any PromptStateEncoder)?
    /// Whether the clips of a batch decode side by side, one per thread (see `decodeClips`);
    /// false decodes them one after another, each over every thread. Set before generating.
    public var concurrentDecode = true

    /// Loads every component strictly (any missing, unexpected or wrong-shape tensor is an
    /// error listing them) and checks that they fit together.
    /// - Parameter promptEncoder: turns prompts into token states; `nil` for a pipeline that
    ///   is only given states (`generate(_:promptStates:negativeStates:)`).
    public init(folder: ModelFolder, promptEncoder: (any PromptStateEncoder)?) throws {
        self.folder = folder
        let transformerConfig = try WanTransformerConfig.load(from: folder.transformerConfigURL)
        transformer = try WeightStore.load(folder.transformerWeightsURL) { store in
            try WanTransformer(config: transformerConfig, weights: store)
        }
        vae = try WanVAE(directory: folder.vaeDirectory)
        schedulerConfig = try SchedulerConfig(contentsOf: folder.schedulerConfigURL)
        self.promptEncoder = promptEncoder
        try Self.checkCompatible(folder: folder, transformer: transformerConfig, vae: vae.config, encoder: promptEncoder)
    }

    static func checkCompatible(folder: ModelFolder, transformer t: WanTransformerConfig, vae v: WanVAEConfig,
                                encoder: (any PromptStateEncoder)?) throws {
        let spec = folder.promptEncoder
        guard t.textDim == spec.hiddenSize else {
            throw PipelineError.invalidModelFile(
                path: folder.transformerConfigURL.path,
                reason: "text_dim \(t.textDim) differs from the prompt encoder's hidden_size \(spec.hiddenSize) in \(folder.promptEncoderURL.path)")
        }
        guard t.inChannels == v.zDim, t.resolvedOutChannels == v.zDim else {
            throw PipelineError.invalidModelFile(
                path: folder.transformerConfigURL.path,
                reason: "in_channels \(t.inChannels) / out_channels \(t.resolvedOutChannels) differ from the VAE's z_dim \(v.zDim)")
        }
        guard v.outChannels == 3 else {
            throw PipelineError.invalidModelFile(path: folder.vaeConfigURL.path, reason: "out_channels \(v.outChannels); RGB video needs 3")
        }
        if let encoder {
            guard encoder.name == spec.name, encoder.hiddenSize == spec.hiddenSize else {
                throw PipelineError.invalidModelFile(
                    path: folder.promptEncoderURL.path,
                    reason: "the model was trained with \(spec.name) (\(spec.hiddenSize) dims); Tessera's prompt encoder is \(encoder.name) (\(encoder.hiddenSize) dims)")
            }
        }
    }

    // MARK: - Sizes

    /// Width and height must be multiples of this: the VAE's spatial factor times the patch.
    public var spatialMultiple: Int { vae.config.spatialCompression * transformer.config.patchSize[1] }
    /// Frames must be `temporalFactor · k + 1`.
    public var temporalFactor: Int { vae.config.temporalCompression * transformer.config.patchSize[0] }

    /// The latent shape of a request: (1, z_dim, (F−1)/4+1, H/8, W/8).
    public func latentShape(_ request: GenerationRequest) -> [Int] {
        request.latentShape(zDim: vae.config.zDim, temporalFactor: vae.config.temporalCompression,
                            spatialFactor: vae.config.spatialCompression)
    }

    // MARK: - Prompt

    /// The token states of `prompt` as the model's note says: (max_length, hidden) with zero
    /// rows after the real tokens for `padding: zeros`, (L, hidden) for `none`.
    public func promptStates(_ prompt: String) throws -> (states: Tensor, truncated: Bool) {
        guard let promptEncoder else {
            throw PipelineError.invalidSetting(name: "prompt", reason: "this pipeline was built without a prompt encoder")
        }
        let spec = folder.promptEncoder
        let (states, truncated) = try promptEncoder.tokenStates(prompt, maxLength: spec.maxLength)
        precondition(states.rank == 2 && states.dim(1) == spec.hiddenSize && states.dim(0) <= spec.maxLength,
                     "prompt encoder returned \(states.shape), expected at most (\(spec.maxLength), \(spec.hiddenSize))")
        guard spec.padding == .zeros, states.dim(0) < spec.maxLength else { return (states, truncated) }
        var padded = Tensor(zeros: [spec.maxLength, spec.hiddenSize])
        padded.data.replaceSubrange(0..<states.count, with: states.data)
        return (padded, truncated)
    }

    // MARK: - Generation

    /// Encodes the prompts and generates (see `generate(_:promptStates:negativeStates:noise:cancellation:progress:onStep:)`).
    public func generate(
        _ request: GenerationRequest, noise: Tensor? = nil, cancellation: Cancellation? = nil,
        progress: ProgressHandler? = nil, onStep: ((DenoisingStep) -> Void)? = nil
    ) throws -> GeneratedClip {
        try generate(batch: [request], noises: [noise], cancellation: cancellation, progress: progress, onStep: onStep)[0]
    }

    /// Generates from given token states: `promptStates` (L, text_dim) and, when guidance is
    /// on (g > 1), `negativeStates` (L', text_dim); both are zero-padded to the longer length
    /// for the batched forward. `noise` (the latent shape) replaces the seeded noise.
    /// `onStep` sees every step's latents and predicted clean latents (denoising traces).
    public func generate(
        _ request: GenerationRequest, promptStates: Tensor, negativeStates: Tensor?, noise: Tensor? = nil,
        cancellation: Cancellation? = nil, progress: ProgressHandler? = nil, onStep: ((DenoisingStep) -> Void)? = nil
    ) throws -> GeneratedClip {
        try generate(batch: [request], promptStates: [promptStates], negativeStates: [negativeStates], noises: [noise],
                     cancellation: cancellation, progress: progress, onStep: onStep)[0]
    }

    /// Encodes every request's prompts, then generates them together (see
    /// `generate(batch:promptStates:negativeStates:noises:cancellation:progress:onStep:)`).
    public func generate(
        batch requests: [GenerationRequest], noises: [Tensor?]? = nil, cancellation: Cancellation? = nil,
        progress: ProgressHandler? = nil, onStep: ((DenoisingStep) -> Void)? = nil
    ) throws -> [GeneratedClip] {
        for r in requests { try r.validate(spatialMultiple: spatialMultiple, temporalFactor: temporalFactor) }
        let guided = requests.filter(\.usesGuidance).count
        let clock = StageClock(stage: .encodePrompt, total: requests.count + guided, progress: progress,
                               cancellation: cancellation)
        try clock.begin()
        var cond: [Tensor] = [], uncond: [Tensor?] = [], truncated: [Bool] = []
        for r in requests {
            let c = try promptStates(r.prompt)
            try clock.advance()
            var u: (states: Tensor, truncated: Bool)? = nil
            if r.usesGuidance {
                u = try promptStates(r.negativePrompt)
                try clock.advance()
            }
            cond.append(c.states)
            uncond.append(u?.states)
            truncated.append(c.truncated || (u?.truncated ?? false))
        }
        let encodeSeconds = clock.elapsed
        var clips = try generate(batch: requests, promptStates: cond, negativeStates: uncond, noises: noises,
                                 cancellation: cancellation, progress: progress, onStep: onStep)
        for i in clips.indices {
            clips[i].seconds[.encodePrompt] = encodeSeconds
            clips[i].promptTruncated = truncated[i]
        }
        return clips
    }

    /// Generates several clips in one batch: each denoising step is one transformer forward
    /// over every clip (and, with guidance, every clip's negative prompt: B = 2N), so small
    /// clips use the cores better. The requests must agree on size, frames, steps, sampler,
    /// shift and whether guidance is on; prompts, negative prompts, seeds and guidance scales
    /// may differ. Clip i's noise is `noises[i]` or the seeded noise of `requests[i].seed`,
    /// so a clip is the same (up to float rounding in batched GEMMs) whether rendered alone or
    /// in a batch, in any position. Text states are zero-padded to the longest in the batch.
    public func generate(
        batch requests: [GenerationRequest], promptStates: [Tensor], negativeStates: [Tensor?], noises: [Tensor?]? = nil,
        cancellation: Cancellation? = nil, progress: ProgressHandler? = nil, onStep: ((DenoisingStep) -> Void)? = nil
    ) throws -> [GeneratedClip] {
        guard let first = requests.first else { return [] }
        precondition(promptStates.count == requests.count && negativeStates.count == requests.count
                     && (noises?.count ?? requests.count) == requests.count, "one prompt, negative and noise per request")
        let n = requests.count
        for r in requests { try r.validate(spatialMultiple: spatialMultiple, temporalFactor: temporalFactor) }
        let shape = latentShape(first)  // (1, z, F', h, w)
        let sampler = first.sampler ?? Sampler.default(for: schedulerConfig)
        let shift = first.shift ?? schedulerConfig.modelShift
        let guidance = first.usesGuidance
        for (i, r) in requests.enumerated() {
            let same = latentShape(r) == shape && r.steps == first.steps && (r.sampler ?? sampler) == sampler
                && (r.shift ?? schedulerConfig.modelShift) == shift && r.usesGuidance == guidance
            guard same else {
                throw PipelineError.invalidSetting(
                    name: "batch", reason: "item \(i) differs from item 0 in size, frames, steps, sampler, shift or guidance on/off; batch only clips that agree")
            }
            if let noise = noises.flatMap({ $0[i] }), noise.shape != shape {
                throw PipelineError.invalidNoise(
                    path: "noise", reason: "shape \(noise.shape), expected \(shape) for \(r.width)x\(r.height), \(r.frames) frames")
            }
            if guidance, negativeStates[i] == nil {
                throw PipelineError.invalidSetting(name: "guidance", reason: "\(r.guidance) needs negative prompt states")
            }
        }
        var scheduler = try sampler.makeScheduler(config: schedulerConfig, shift: shift)

        // MARK: Denoise
        let denoise = StageClock(stage: .denoise, total: first.steps, progress: progress, cancellation: cancellation)
        try denoise.begin()
        let sequences = guidance ? promptStates + negativeStates.map { $0! } : promptStates
        let text = try transformer.prepareText(sequences: sequences)  // (B, Ltext, dim) keys/values, once
        let clipCount = Tensor.count(of: shape)
        var latents = [Float]()  // (N, z, F', h, w): the N clips one after another
        latents.reserveCapacity(n * clipCount)
        for (i, r) in requests.enumerated() {
            latents += noises.flatMap({ $0[i] })?.data ?? GaussianNoise.normals(seed: r.seed, count: clipCount)
        }
        let batchShape = [n] + shape.dropFirst()
        let modelBatch = guidance ? 2 * n : n
        let modelShape = [modelBatch] + shape.dropFirst()
        scheduler.setTimesteps(first.steps)
        let scales = requests.map { Float($0.guidance) }
        var stepSeconds: [Double] = []
        for (index, t) in scheduler.timesteps.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            let input = Tensor(shape: modelShape, data: guidance ? latents + latents : latents)
            let output = try transformer.forward(input, timestep: Array(repeating: t, count: modelBatch), text: text)
            var prediction: [Float]  // (N, z, F', h, w)
            if guidance {
                // noise_pred = noise_uncond + g · (noise_cond − noise_uncond), per clip
                prediction = [Float](repeating: 0, count: n * clipCount)
                output.withUnsafeBufferPointer { o in
                    for item in 0..<n {
                        let g = scales[item], base = item * clipCount, unconditional = (n + item) * clipCount
                        for i in 0..<clipCount {
                            let cond = o[base + i], uncond = o[unconditional + i]
                            prediction[base + i] = uncond + g * (cond - uncond)
                        }
                    }
                }
            } else {
                prediction = output.data
            }
            let next = scheduler.step(modelOutput: prediction, timestep: t, sample: latents)
            if let onStep {
                // Flow matching: x = (1 − σ)·x0 + σ·noise and v = noise − x0, so x0 = x − σ·v.
                let sigma = scheduler.sigmas[index]
                for item in 0..<n {
                    let range = (item * clipCount)..<((item + 1) * clipCount)
                    onStep(DenoisingStep(
                        item: item, index: index, timestep: t, sigma: sigma,
                        latents: Tensor(shape: shape, data: Array(latents[range])),
                        predictedClean: Tensor(shape: shape, data: zip(latents[range], prediction[range]).map { $0 - sigma * $1 }),
                        next: Tensor(shape: shape, data: Array(next[range]))))
                }
            }
            latents = next
            stepSeconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            try denoise.advance()
        }
        precondition(latents.count == Tensor.count(of: batchShape))
        let denoiseSeconds = denoise.elapsed

        // MARK: Decode, each clip alone (memory that of one clip per decoding thread)
        let latentFrames = shape[2]
        let decode = StageClock(stage: .decode, total: n * latentFrames, progress: progress, cancellation: cancellation)
        try decode.begin()
        let videos = try decodeClips(latents, shape: shape, count: n, clock: decode)  // (1, 3, T, H, W) each
        var clips: [GeneratedClip] = []
        let sorted = stepSeconds.sorted()
        for (item, r) in requests.enumerated() {
            let clipLatents = Tensor(shape: shape, data: Array(latents[(item * clipCount)..<((item + 1) * clipCount)]))
            var resolved = r
            resolved.sampler = sampler
            resolved.shift = shift
            clips.append(GeneratedClip(
                request: resolved, latents: clipLatents, video: videos[item], frames: GeneratedClip.frames(from: videos[item]),
                seconds: [.denoise: denoiseSeconds], secondsPerStep: sorted.isEmpty ? 0 : sorted[sorted.count / 2],
                promptTruncated: false))
        }
        let decodeSeconds = decode.elapsed
        for i in clips.indices { clips[i].seconds[.decode] = decodeSeconds }
        return clips
    }
}

// MARK: - Decoding a batch

extension TextToVideoPipeline {
    /// Decodes the `count` clips of `latents` (N, z, F', h, w), each alone. With several clips
    /// and `concurrentDecode`, clips decode side by side, one per thread, each single-threaded
    /// inside: the work between the decoder's parallel regions (copies, the feature cache,
    /// clamping) then runs on every core, and no region pays a hand-off between threads
    /// (measured: decoding 1.06x at 128x128 with the tiny fixture model, docs/benchmarks.md).
    /// Memory is that of one clip's decode per thread. The frames are the same either way
    /// (each clip is decoded by the same code; ConcurrentDecodeTests).
    func decodeClips(_ latents: [Float], shape: [Int], count n: Int, clock: StageClock) throws -> [Tensor] {
        let clipCount = Tensor.count(of: shape)
        func clip(_ item: Int) -> Tensor {
            Tensor(shape: shape, data: Array(latents[(item * clipCount)..<((item + 1) * clipCount)]))
        }
        let cancelled = PipelineError.cancelled(stage: ProgressEvent.Stage.decode.rawValue)
        guard concurrentDecode, n > 1, Threads.count > 1 else {
            var videos: [Tensor] = []
            let latentFrames = shape[2]
            for item in 0..<n {
                var stopped = false
                videos.append(try vae.decode(clip(item)) { done, _ in
                    if !stopped, (try? clock.advance(to: item * latentFrames + done)) == nil { stopped = true }
                })
                if stopped || clock.isCancelled { throw cancelled }
            }
            return videos
        }
        // Progress and results from the decoding threads go through one lock; a failure or a
        // cancellation stops the clips not yet started.
        let lock = NSLock()
        var videos = [Tensor?](repeating: nil, count: n)
        var framesDone = 0, stopped = false
        var failure: Error? = nil
        Threads.parallelFor(n, singleThreadedBLAS: true) { items in
            for item in items {
                lock.lock()
                let skip = stopped || failure != nil
                lock.unlock()
                if skip { return }
                do {
                    let video = try vae.decode(clip(item)) { _, _ in
                        lock.lock()
                        defer { lock.unlock() }
                        framesDone += 1
                        if !stopped, (try? clock.advance(to: framesDone)) == nil { stopped = true }
                    }
                    lock.lock()
                    videos[item] = video
                    lock.unlock()
                } catch {
                    lock.lock()
                    if failure == nil { failure = error }
                    lock.unlock()
                }
            }
        }
        if let failure { throw failure }
        if stopped || clock.isCancelled { throw cancelled }
        return videos.map { $0! }
    }
}

// MARK: - DenoisingStep

/// One sampling step as `onStep` sees it, in the normalised latent space (1, z, F', H/8, W/8).
public struct DenoisingStep: Sendable {
    /// Which clip of a batch (0 for a single clip).
    public var item: Int
    /// 0-based step index.
    public var index: Int
    public var timestep: Float
    /// The noise level of `latents` (the scheduler's `sigmas[index]`).
    public var sigma: Float
    /// The latents the model saw.
    public var latents: Tensor
    /// The model's prediction of the clean latents, x0 = x − σ·v (guidance applied).
    public var predictedClean: Tensor
    /// The latents after the scheduler's step.
    public var next: Tensor
}

// MARK: - StageClock

/// Times a stage, reports it to the progress handler and checks for cancellation.
final class StageClock {
    let stage: ProgressEvent.Stage
    let total: Int
    let progress: ProgressHandler?
    let cancellation: Cancellation?
    private var start = DispatchTime.now().uptimeNanoseconds
    private(set) var completed = 0

    init(stage: ProgressEvent.Stage, total: Int, progress: ProgressHandler?, cancellation: Cancellation?) {
        self.stage = stage
        self.total = total
        self.progress = progress
        self.cancellation = cancellation
    }

    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    var isCancelled: Bool { cancellation?.isCancelled ?? false }

    func begin() throws {
        start = DispatchTime.now().uptimeNanoseconds
        try report()
    }

    func advance() throws { try advance(to: completed + 1) }

    func advance(to done: Int) throws {
        completed = done
        try report()
    }

    private func report() throws {
        let keepGoing = progress?(ProgressEvent(stage: stage, completed: completed, total: total, elapsed: elapsed)) ?? true
        if !keepGoing { cancellation?.cancel() }
        if !keepGoing || isCancelled { throw PipelineError.cancelled(stage: stage.rawValue) }
    }
}
