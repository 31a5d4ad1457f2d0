// The sampler's contract with the pipeline. A scheduler knows nothing about the model: it
// holds a schedule of noise levels (sigmas) and the matching model timesteps, and turns the
// model's output at one timestep into the next sample. Guidance, latent normalisation and
// the model call live in the pipeline (diffusers `pipelines/wan/pipeline_wan.py`).
//
// Latents are flat fp32 buffers (any layout: every update is elementwise); the pipeline
// passes `Tensor.data` (row-major (B, C, F, H, W)) and keeps the shape.

// MARK: - Scheduler

/// A diffusion sampler over a flow-matching schedule, one algorithm per conforming type.
///
/// Usage, as the pipeline drives it:
/// ```
/// var scheduler = try FlowMatchEulerScheduler(config: config)
/// scheduler.setTimesteps(steps)
/// for t in scheduler.timesteps { x = scheduler.step(modelOutput: v(x, t), timestep: t, sample: x) }
/// ```
public protocol Scheduler {
    /// The name used on the command line and in metadata (`euler`, `unipc`, `dpm++`).
    var name: String { get }

    /// Model timesteps for the current schedule, in sampling order (descending), one per step.
    var timesteps: [Float] { get }

    /// Noise levels for the current schedule: one per step plus the final level (0 for flow
    /// matching), so `sigmas.count == timesteps.count + 1`.
    var sigmas: [Float] { get }

    /// The scale of the initial noise (1 for flow matching: the sample at sigma 1 is pure noise).
    var initNoiseSigma: Float { get }

    /// Builds the schedule for `steps` sampling steps and resets any multistep state.
    mutating func setTimesteps(_ steps: Int)

    /// One sampling step: given the model output at `timestep` for `sample`, returns the sample
    /// at the next noise level. Steps must be taken in the order of `timesteps`.
    mutating func step(modelOutput: [Float], timestep: Float, sample: [Float]) -> [Float]
}
