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

    /// Encodes the prompts and generates (see `generate(_:promptStates:negativeStates:noise:cancellation:progress:)`).
    public func generate(
        _ request: GenerationRequest, noise: Tensor? = nil, cancellation: Cancellation? = nil,
        progress: ProgressHandler? = nil, onStep: ((DenoisingStep) -> Void)? = nil
    ) throws -> GeneratedClip {
        try request.validate(spatialMultiple: spatialMultiple, temporalFactor: temporalFactor)
        let clock = StageClock(stage: .encodePrompt, total: request.usesGuidance ? 2 : 1, progress: progress,
                               cancellation: cancellation)
        try clock.begin()
        let cond = try promptStates(request.prompt)
        try clock.advance()
        var uncond: (states: Tensor, truncated: Bool)? = nil
        if request.usesGuidance {
            uncond = try promptStates(request.negativePrompt)
            try clock.advance()
        }
        let encodeSeconds = clock.elapsed
        var clip = try generate(request, promptStates: cond.states, negativeStates: uncond?.states, noise: noise,
                                cancellation: cancellation, progress: progress, onStep: onStep)
        clip.seconds[.encodePrompt] = encodeSeconds
        clip.promptTruncated = cond.truncated || (uncond?.truncated ?? false)
        return clip
    }

    /// Generates from given token states: `promptStates` (L, text_dim) and, when guidance is
    /// on (g > 1), `negativeStates` (L', text_dim); both are zero-padded to the longer length
    /// for the batched forward. `noise` (the latent shape) replaces the seeded noise.
    /// `onStep` sees every step's latents and predicted clean latents (denoising traces).
    public func generate(
        _ request: GenerationRequest, promptStates: Tensor, negativeStates: Tensor?, noise: Tensor? = nil,
        cancellation: Cancellation? = nil, progress: ProgressHandler? = nil, onStep: ((DenoisingStep) -> Void)? = nil
    ) throws -> GeneratedClip {
        try request.validate(spatialMultiple: spatialMultiple, temporalFactor: temporalFactor)
        let shape = latentShape(request)
        let sampler = request.sampler ?? Sampler.default(for: schedulerConfig)
        var scheduler = try sampler.makeScheduler(config: schedulerConfig, shift: request.shift)
        var resolved = request
        resolved.sampler = sampler
        resolved.shift = request.shift ?? schedulerConfig.modelShift
        if let noise, noise.shape != shape {
            throw PipelineError.invalidNoise(path: "noise", reason: "shape \(noise.shape), expected \(shape) for \(request.width)x\(request.height), \(request.frames) frames")
        }
        let guidance = request.usesGuidance
        if guidance, negativeStates == nil {
            throw PipelineError.invalidSetting(name: "guidance", reason: "\(request.guidance) needs negative prompt states")
        }

        // MARK: Denoise
        let denoise = StageClock(stage: .denoise, total: request.steps, progress: progress, cancellation: cancellation)
        try denoise.begin()
        let text = try transformer.prepareText(sequences: guidance ? [promptStates, negativeStates!] : [promptStates])
        var latents = noise ?? GaussianNoise.tensor(shape: shape, seed: request.seed)  // (1, z, F', h, w)
        scheduler.setTimesteps(request.steps)
        let g = Float(request.guidance)
        let count = latents.count
        var stepSeconds: [Double] = []
        for (index, t) in scheduler.timesteps.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            let input = guidance ? Tensor(shape: [2] + shape.dropFirst(), data: latents.data + latents.data) : latents
            let output = try transformer.forward(input, timestep: guidance ? [t, t] : [t], text: text)  // (B, z, F', h, w)
            var prediction: [Float]
            if guidance {
                // noise_pred = noise_uncond + g · (noise_cond − noise_uncond)
                prediction = [Float](repeating: 0, count: count)
                output.withUnsafeBufferPointer { o in
                    for i in 0..<count {
                        let cond = o[i], uncond = o[count + i]
                        prediction[i] = uncond + g * (cond - uncond)
                    }
                }
            } else {
                prediction = output.data
            }
            if let onStep {
                // Flow matching: x = (1 − σ)·x0 + σ·noise and v = noise − x0, so x0 = x − σ·v.
                let sigma = scheduler.sigmas[index]
                let x0 = Tensor(shape: shape, data: zip(latents.data, prediction).map { $0 - sigma * $1 })
                let next = scheduler.step(modelOutput: prediction, timestep: t, sample: latents.data)
                onStep(DenoisingStep(index: index, timestep: t, sigma: sigma, latents: latents,
                                     predictedClean: x0, next: Tensor(shape: shape, data: next)))
                latents.data = next
            } else {
                latents.data = scheduler.step(modelOutput: prediction, timestep: t, sample: latents.data)
            }
            stepSeconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            try denoise.advance()
        }

        // MARK: Decode
        let latentFrames = shape[2]
        let decode = StageClock(stage: .decode, total: latentFrames, progress: progress, cancellation: cancellation)
        try decode.begin()
        var stopped = false
        let video = try vae.decode(latents) { done, _ in
            if !stopped, (try? decode.advance(to: done)) == nil { stopped = true }
        }  // (1, 3, T, H, W) in [-1, 1]
        if stopped || decode.isCancelled { throw PipelineError.cancelled(stage: ProgressEvent.Stage.decode.rawValue) }
        let frames = GeneratedClip.frames(from: video)

        let sorted = stepSeconds.sorted()
        return GeneratedClip(
            request: resolved, latents: latents, video: video, frames: frames,
            seconds: [.denoise: denoise.elapsed, .decode: decode.elapsed],
            secondsPerStep: sorted.isEmpty ? 0 : sorted[sorted.count / 2], promptTruncated: false)
    }
}

// MARK: - DenoisingStep

/// One sampling step as `onStep` sees it, in the normalised latent space (1, z, F', H/8, W/8).
public struct DenoisingStep: Sendable {
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
