// Port of diffusers 0.42.1 `DPMSolverMultistepScheduler`
// (diffusers/schedulers/scheduling_dpmsolver_multistep.py) for flow-matching models:
// `algorithm_type = "dpmsolver++"`, `solver_order` 1 or 2 (DPM-Solver++ 2M), `solver_type`
// "midpoint" or "heun", flow sigmas with `flow_shift`, `prediction_type = "flow_prediction"`,
// final sigma 0 (so the last step is first order, as diffusers does).
// DPM-Solver++: Lu et al., "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion
// Probabilistic Models" (2022).

import Foundation

// MARK: - DPMSolverMultistepScheduler

/// DPM-Solver++ 2M over the flow-matching schedule.
///
/// Schedule (flow sigmas): `1 - linspace(1, 1/N, steps + 1)`, shifted, reversed, the final 0
/// dropped; timesteps = sigma * N truncated to integers (diffusers' int64 cast); a final sigma 0.
public struct DPMSolverMultistepScheduler: Scheduler {
    public let name = "dpm++"
    public let numTrainTimesteps: Int
    public let shift: Double
    public let solverOrder: Int
    /// "midpoint" or "heun": the second-order correction's weight.
    public let solverType: String
    public let lowerOrderFinal: Bool

    public private(set) var timesteps: [Float] = []
    public private(set) var sigmas: [Float] = []
    public var initNoiseSigma: Float { 1 }
    public private(set) var stepIndex = 0

    private var modelOutputs: [[Float]?]
    private var lowerOrderNums = 0

    /// - Parameters:
    ///   - config: the model's scheduler config (any of the three classes).
    ///   - shift: overrides the config's shift (`--shift`); `nil` keeps `config.modelShift`.
    public init(config: SchedulerConfig, shift: Double? = nil) throws {
        var config = config.forMultistepSolver()
        // Wan ships UniPC's config: its "bh2" solver type has no DPM meaning, and diffusers'
        // `from_config` maps it to DPM's default, "midpoint".
        if config.className != "DPMSolverMultistepScheduler" { config.algorithmType = nil; config.solverType = nil }
        try config.checkCommonOptions()
        try UniPCMultistepScheduler.checkFlowOptions(config)
        try SchedulerError.require("algorithm_type", config.algorithmType, is: "dpmsolver++", hint: "use \"dpmsolver++\"")
        let order = config.solverOrder ?? 2
        guard (1...2).contains(order) else {
            throw SchedulerError.unsupported(
                key: "solver_order", value: "\(order)", hint: "Tessera's DPM-Solver++ is 1st or 2nd order (2M); use unipc for higher orders")
        }
        let type = config.solverType ?? "midpoint"
        guard type == "midpoint" || type == "heun" else {
            throw SchedulerError.unsupported(key: "solver_type", value: type, hint: "use \"midpoint\" or \"heun\"")
        }
        let shift = shift ?? config.modelShift
        guard shift > 0, shift.isFinite else {
            throw SchedulerError.outOfRange(key: "flow_shift", value: "\(shift)", expected: "a positive number")
        }
        if let t = config.shiftTerminal, t != 0 {
            throw SchedulerError.unsupported(
                key: "shift_terminal", value: "\(t)", hint: "DPMSolverMultistepScheduler has no terminal shift; use euler or unipc")
        }
        numTrainTimesteps = config.numTrainTimesteps ?? 1000
        self.shift = shift
        solverOrder = order
        solverType = type
        lowerOrderFinal = config.lowerOrderFinal ?? true
        modelOutputs = Array(repeating: nil, count: order)
    }

    // MARK: - Schedule

    public mutating func setTimesteps(_ steps: Int) {
        precondition(steps >= 1, "at least one sampling step")
        let n = Double(numTrainTimesteps)
        let alphas = FlowSigmas.linspace(1, 1 / n, steps + 1)
        let s = Array(alphas.map { FlowSigmas.shifted(1 - $0, shift: shift) }.reversed().dropLast())
        timesteps = s.map { Float(Int64(($0 * n).rounded(.towardZero))) }
        sigmas = s.map { Float($0) } + [0]
        stepIndex = 0
        modelOutputs = Array(repeating: nil, count: solverOrder)
        lowerOrderNums = 0
    }

    // MARK: - Step

    public mutating func step(modelOutput: [Float], timestep: Float, sample: [Float]) -> [Float] {
        precondition(stepIndex < timesteps.count, "step called more often than the schedule has steps")
        precondition(modelOutput.count == sample.count, "model output and sample differ in size")
        // The final sigma is 0 (final_sigmas_type "zero"), so the last step is always first order.
        let lowerOrderFinalStep = stepIndex == timesteps.count - 1
        // convert_model_output: x0 = x - sigma * v
        let sigma = sigmas[stepIndex]
        var x0 = sample
        for i in 0..<x0.count { x0[i] = sample[i] - sigma * modelOutput[i] }
        for i in 0..<(solverOrder - 1) { modelOutputs[i] = modelOutputs[i + 1] }
        modelOutputs[solverOrder - 1] = x0

        let next: [Float]
        if solverOrder == 1 || lowerOrderNums < 1 || lowerOrderFinalStep {
            next = firstOrderUpdate(x0: x0, sample: sample)
        } else {
            next = secondOrderUpdate(m0: x0, m1: modelOutputs[solverOrder - 2]!, sample: sample)
        }
        if lowerOrderNums < solverOrder { lowerOrderNums += 1 }
        stepIndex += 1
        return next
    }

    /// lambda = log(alpha) - log(sigma), with flow sigmas alpha = 1 - sigma.
    private func lambda(_ sigma: Double) -> Double { log(1 - sigma) - log(sigma) }

    /// dpm_solver_first_order_update (dpmsolver++): x_t = (sigma_t / sigma_s) x - alpha_t (e^-h - 1) x0.
    private func firstOrderUpdate(x0: [Float], sample: [Float]) -> [Float] {
        let sigmaT = Double(sigmas[stepIndex + 1]), sigmaS = Double(sigmas[stepIndex])
        let h = lambda(sigmaT) - lambda(sigmaS)
        let a = sigmaT / sigmaS, b = (1 - sigmaT) * (exp(-h) - 1)
        var out = sample
        for i in 0..<out.count { out[i] = Float(a * Double(sample[i]) - b * Double(x0[i])) }
        return out
    }

    /// multistep_dpm_solver_second_order_update (dpmsolver++): D0 = m0, D1 = (m0 - m1) / r0.
    private func secondOrderUpdate(m0: [Float], m1: [Float], sample: [Float]) -> [Float] {
        let sigmaT = Double(sigmas[stepIndex + 1]), sigmaS0 = Double(sigmas[stepIndex])
        let sigmaS1 = Double(sigmas[stepIndex - 1])
        let lambdaT = lambda(sigmaT), lambdaS0 = lambda(sigmaS0), lambdaS1 = lambda(sigmaS1)
        let h = lambdaT - lambdaS0, h0 = lambdaS0 - lambdaS1
        let r0 = h0 / h
        let alphaT = 1 - sigmaT
        let a = sigmaT / sigmaS0
        let c0 = alphaT * (exp(-h) - 1)
        let c1 = solverType == "midpoint" ? -0.5 * c0 : alphaT * ((exp(-h) - 1) / h + 1)
        var out = sample
        for i in 0..<out.count {
            let d0 = Double(m0[i]), d1 = (d0 - Double(m1[i])) / r0
            out[i] = Float(a * Double(sample[i]) - c0 * d0 + c1 * d1)
        }
        return out
    }
}
