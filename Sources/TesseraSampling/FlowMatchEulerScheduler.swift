// Port of diffusers 0.42.1 `FlowMatchEulerDiscreteScheduler`
// (diffusers/schedulers/scheduling_flow_match_euler_discrete.py), deterministic path:
// fixed shift, optional `shift_terminal`; no dynamic shifting, Karras/exponential/beta sigmas,
// inverted sigmas or stochastic sampling (rejected with an error naming the key).

// MARK: - FlowMatchEulerScheduler

/// First-order Euler integration of the flow ODE  dx/dsigma = v:  x' = x + (sigma' - sigma) * v.
///
/// The schedule: `num_train_timesteps` training sigmas t/N (t = N...1), shifted; inference
/// timesteps evenly spaced (in Float64) between the largest and smallest training timestep,
/// divided by N and shifted again (diffusers applies the shift to the already shifted
/// `sigma_min`, and so does this port), then cast to float32; timestep = sigma * N; a final
/// sigma of 0 is appended.
public struct FlowMatchEulerScheduler: Scheduler {
    public let name = "euler"
    public let numTrainTimesteps: Int
    /// The timestep shift (diffusers `shift`).
    public let shift: Double
    /// diffusers `shift_terminal`: the value the shifted schedule ends at, if set.
    public let shiftTerminal: Double?

    public private(set) var timesteps: [Float] = []
    public private(set) var sigmas: [Float] = []
    public var initNoiseSigma: Float { 1 }

    /// The index of the next step (diffusers `step_index`, begin index 0 as WanPipeline sets it).
    public private(set) var stepIndex = 0

    /// Training sigmas' extremes, computed in float32 as diffusers' `__init__` does.
    private let sigmaMax: Double
    private let sigmaMin: Double

    /// - Parameters:
    ///   - config: the model's scheduler config (any of the three classes).
    ///   - shift: overrides the config's shift (`--shift`); `nil` keeps `config.modelShift`.
    public init(config: SchedulerConfig, shift: Double? = nil) throws {
        try config.checkCommonOptions()
        try SchedulerError.require("invert_sigmas", config.invertSigmas, isNot: true, hint: "set it to false")
        try SchedulerError.require(
            "stochastic_sampling", config.stochasticSampling, isNot: true, hint: "Tessera's Euler sampler is deterministic; set it to false")
        let shift = shift ?? config.modelShift
        guard shift > 0, shift.isFinite else {
            throw SchedulerError.outOfRange(key: "shift", value: "\(shift)", expected: "a positive number")
        }
        self.numTrainTimesteps = config.numTrainTimesteps ?? 1000
        self.shift = shift
        self.shiftTerminal = (config.shiftTerminal ?? 0) == 0 ? nil : config.shiftTerminal
        // __init__: sigmas = linspace(1, N, N)[::-1] / N in float32, shifted in float32.
        let n = Float(numTrainTimesteps)
        let f = Float(shift), fm1 = Float(shift - 1)
        let first: Float = (n / n), last: Float = 1 / n
        sigmaMax = Double(f * first / (1 + fm1 * first))
        sigmaMin = Double(f * last / (1 + fm1 * last))
    }

    // MARK: - Schedule

    public mutating func setTimesteps(_ steps: Int) {
        precondition(steps >= 1, "at least one sampling step")
        let n = Double(numTrainTimesteps)
        let ts = FlowSigmas.linspace(sigmaMax * n, sigmaMin * n, steps)
        var s = ts.map { FlowSigmas.shifted($0 / n, shift: shift) }
        if let shiftTerminal { s = FlowSigmas.stretchedToTerminal(s, terminal: shiftTerminal) }
        let sigmas32 = s.map { Float($0) }
        timesteps = sigmas32.map { $0 * Float(numTrainTimesteps) }
        sigmas = sigmas32 + [0]
        stepIndex = 0
    }

    // MARK: - Step

    public mutating func step(modelOutput: [Float], timestep: Float, sample: [Float]) -> [Float] {
        precondition(stepIndex < timesteps.count, "step called more often than the schedule has steps")
        precondition(modelOutput.count == sample.count, "model output and sample differ in size")
        let dt = sigmas[stepIndex + 1] - sigmas[stepIndex]
        stepIndex += 1
        var next = sample
        next.withUnsafeMutableBufferPointer { x in
            modelOutput.withUnsafeBufferPointer { v in
                for i in 0..<x.count { x[i] += dt * v[i] }
            }
        }
        return next
    }
}
