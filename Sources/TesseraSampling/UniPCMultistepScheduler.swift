// Port of diffusers 0.42.1 `UniPCMultistepScheduler`
// (diffusers/schedulers/scheduling_unipc_multistep.py) as Wan2.1 configures it: flow sigmas
// (`use_flow_sigmas`), `prediction_type = "flow_prediction"`, data prediction (`predict_x0`),
// B(h) = e^h - 1 ("bh2"), any `solver_order`, `lower_order_final`, `disable_corrector`,
// `flow_shift`, optional `shift_terminal`, final sigma 0.
// UniPC: Zhao et al., "UniPC: A Unified Predictor-Corrector Framework for Fast Sampling of
// Diffusion Models" (2023).

import Foundation

// MARK: - UniPCMultistepScheduler

/// Multistep predictor (UniP) with corrector (UniC) over the flow-matching schedule.
///
/// Schedule (flow sigmas): `linspace(1, 1/N, steps + 1)[:-1]`, shifted by `flow_shift`, the
/// first sigma nudged below 1 by 1e-6 (so log(sigma) stays finite), timesteps = sigma * N
/// truncated to integers (diffusers casts them to int64, and the model sees the integer).
/// Flow sigmas mean alpha = 1 - sigma, and the model's velocity v becomes the data
/// prediction x0 = x - sigma * v.
public struct UniPCMultistepScheduler: Scheduler {
    public let name = "unipc"
    public let numTrainTimesteps: Int
    public let shift: Double
    public let shiftTerminal: Double?
    public let solverOrder: Int
    public let lowerOrderFinal: Bool
    /// Steps after which the corrector is skipped (diffusers `disable_corrector`).
    public let disableCorrector: Set<Int>

    public private(set) var timesteps: [Float] = []
    public private(set) var sigmas: [Float] = []
    public var initNoiseSigma: Float { 1 }
    public private(set) var stepIndex = 0

    // MARK: Multistep state (diffusers' names)
    private var modelOutputs: [[Float]?]
    private var lowerOrderNums = 0
    private var lastSample: [Float]?
    private var thisOrder = 1

    /// - Parameters:
    ///   - config: the model's scheduler config (any of the three classes).
    ///   - shift: overrides the config's shift (`--shift`); `nil` keeps `config.modelShift`.
    public init(config: SchedulerConfig, shift: Double? = nil) throws {
        var config = config.forMultistepSolver()
        // DPM-Solver's "midpoint"/"heun" have no UniPC meaning; diffusers maps them to "bh2".
        if config.className != "UniPCMultistepScheduler" { config.solverType = nil }
        try config.checkCommonOptions()
        try Self.checkFlowOptions(config)
        try SchedulerError.require(
            "solver_type", config.solverType, is: "bh2",
            hint: "use \"bh2\" (with flow sigmas and a zero final sigma, \"bh1\" gives NaN at the last step in diffusers too)")
        try SchedulerError.require(
            "predict_x0", config.predictX0, isNot: false, hint: "flow_prediction needs data prediction; set it to true")
        try SchedulerError.require(
            "lower_order_final", config.lowerOrderFinal, isNot: false,
            hint: "set it to true (with a zero final sigma the last high-order step divides by zero, in diffusers too)")
        let order = config.solverOrder ?? 2
        guard (1...4).contains(order) else {
            throw SchedulerError.outOfRange(key: "solver_order", value: "\(order)", expected: "1 to 4")
        }
        let shift = shift ?? config.modelShift
        guard shift > 0, shift.isFinite else {
            throw SchedulerError.outOfRange(key: "flow_shift", value: "\(shift)", expected: "a positive number")
        }
        numTrainTimesteps = config.numTrainTimesteps ?? 1000
        self.shift = shift
        shiftTerminal = (config.shiftTerminal ?? 0) == 0 ? nil : config.shiftTerminal
        solverOrder = order
        lowerOrderFinal = config.lowerOrderFinal ?? true
        disableCorrector = Set(config.disableCorrector ?? [])
        modelOutputs = Array(repeating: nil, count: order)
    }

    /// The options UniPC and DPM-Solver share when they run a flow-matching model.
    static func checkFlowOptions(_ config: SchedulerConfig) throws {
        if config.useFlowSigmas != true {
            throw SchedulerError.unsupported(
                key: "use_flow_sigmas", value: "\(config.useFlowSigmas ?? false)",
                hint: "Tessera runs flow-matching models (Wan); set it to true")
        }
        try SchedulerError.require("prediction_type", config.predictionType, is: "flow_prediction", hint: "use \"flow_prediction\"")
        try SchedulerError.require(
            "final_sigmas_type", config.finalSigmasType, is: "zero",
            hint: "use \"zero\" (flow sampling ends at sigma 0; \"sigma_min\" gives a zero step size)")
        try SchedulerError.require(
            "thresholding", config.thresholding, isNot: true, hint: "dynamic thresholding is for pixel-space models; set it to false")
    }

    // MARK: - Schedule

    public mutating func setTimesteps(_ steps: Int) {
        precondition(steps >= 1, "at least one sampling step")
        let n = Double(numTrainTimesteps)
        var s = Array(FlowSigmas.linspace(1, 1 / n, steps + 1).dropLast())
        s = s.map { FlowSigmas.shifted($0, shift: shift) }
        if let shiftTerminal { s = FlowSigmas.stretchedToTerminal(s, terminal: shiftTerminal) }
        if abs(s[0] - 1) < 1e-6 { s[0] -= 1e-6 }
        timesteps = s.map { Float(Int64(($0 * n).rounded(.towardZero))) }
        sigmas = s.map { Float($0) } + [0]
        stepIndex = 0
        modelOutputs = Array(repeating: nil, count: solverOrder)
        lowerOrderNums = 0
        lastSample = nil
        thisOrder = 1
    }

    // MARK: - Step

    public mutating func step(modelOutput: [Float], timestep: Float, sample: [Float]) -> [Float] {
        precondition(stepIndex < timesteps.count, "step called more often than the schedule has steps")
        precondition(modelOutput.count == sample.count, "model output and sample differ in size")
        let useCorrector = stepIndex > 0 && !disableCorrector.contains(stepIndex - 1) && lastSample != nil

        // convert_model_output: x0 = x - sigma * v
        let sigma = sigmas[stepIndex]
        var x0 = sample
        for i in 0..<x0.count { x0[i] = sample[i] - sigma * modelOutput[i] }

        var sample = sample
        if useCorrector, let last = lastSample {
            sample = correct(modelOutput: x0, lastSample: last, thisSample: sample, order: thisOrder)
        }
        for i in 0..<(solverOrder - 1) { modelOutputs[i] = modelOutputs[i + 1] }
        modelOutputs[solverOrder - 1] = x0

        let order = lowerOrderFinal ? min(solverOrder, timesteps.count - stepIndex) : solverOrder
        thisOrder = min(order, lowerOrderNums + 1)
        lastSample = sample
        let next = predict(sample: sample, order: thisOrder)
        if lowerOrderNums < solverOrder { lowerOrderNums += 1 }
        stepIndex += 1
        return next
    }

    // MARK: - UniP and UniC (diffusers multistep_uni_p_bh_update / multistep_uni_c_bh_update)

    /// lambda = log(alpha) - log(sigma), with flow sigmas alpha = 1 - sigma.
    private func lambda(_ index: Int) -> Double {
        let s = Double(sigmas[index])
        return log(1 - s) - log(s)
    }

    /// The coefficients both updates share for a step from sigma_s0 to sigma_t:
    /// h, hh = -h, h*phi_1 = e^hh - 1, B(h) = e^hh - 1 (bh2), the vector b of order `order`
    /// and the matrix R of powers of r_k (the last r is 1).
    private func coefficients(t: Int, s0: Int, previous: [Int], order: Int)
        -> (hPhi1: Double, bh: Double, rks: [Double], R: [[Double]], b: [Double])
    {
        let lambdaT = lambda(t), lambdaS0 = lambda(s0)
        let h = lambdaT - lambdaS0
        var rks = previous.map { (lambda($0) - lambdaS0) / h }
        rks.append(1)
        let hh = -h
        let hPhi1 = expm1(hh)
        var hPhiK = hPhi1 / hh - 1
        var factorial = 1.0
        let bh = expm1(hh)
        var R: [[Double]] = []
        var b: [Double] = []
        for i in 1...order {
            R.append(rks.map { pow($0, Double(i - 1)) })
            b.append(hPhiK * factorial / bh)
            factorial *= Double(i + 1)
            hPhiK = hPhiK / hh - 1 / factorial
        }
        return (hPhi1, bh, rks, R, b)
    }

    /// Predictor: from the sample at sigmas[stepIndex] to sigmas[stepIndex + 1].
    private func predict(sample x: [Float], order: Int) -> [Float] {
        let t = stepIndex + 1, s0 = stepIndex
        let m0 = modelOutputs[solverOrder - 1]!
        let previous = (1..<max(order, 1)).map { stepIndex - $0 }
        let c = coefficients(t: t, s0: s0, previous: previous, order: order)
        let sigmaT = Double(sigmas[t]), sigmaS0 = Double(sigmas[s0]), alphaT = 1 - sigmaT
        // D1_k = (m_k - m0) / r_k for the k-th previous output, weighted by rhos_p.
        var rhos: [Double] = []
        if order == 2 {
            rhos = [0.5]
        } else if order > 2 {
            rhos = Self.solve(Array(c.R.dropLast().map { Array($0.dropLast()) }), Array(c.b.dropLast()))
        }
        return update(x, m0: m0, rhos: rhos, rks: c.rks, order: order,
                      a: sigmaT / sigmaS0, bm: alphaT * c.hPhi1, bd: alphaT * c.bh, current: nil)
    }

    /// Corrector: refines the sample at sigmas[stepIndex] with the model output just computed there.
    private func correct(modelOutput modelT: [Float], lastSample x: [Float], thisSample: [Float], order: Int) -> [Float] {
        let t = stepIndex, s0 = stepIndex - 1
        let m0 = modelOutputs[solverOrder - 1]!
        let previous = (1..<max(order, 1)).map { stepIndex - ($0 + 1) }
        let c = coefficients(t: t, s0: s0, previous: previous, order: order)
        let sigmaT = Double(sigmas[t]), sigmaS0 = Double(sigmas[s0]), alphaT = 1 - sigmaT
        let rhos = order == 1 ? [0.5] : Self.solve(c.R, c.b)
        return update(x, m0: m0, rhos: rhos, rks: c.rks, order: order,
                      a: sigmaT / sigmaS0, bm: alphaT * c.hPhi1, bd: alphaT * c.bh,
                      current: (modelT, rhos[rhos.count - 1]))
    }

    /// The update both steps share: a·x − bm·m0 − bd·Σₖ ρₖ·(m_k − m0) / r_k over the order − 1
    /// previous model outputs m_k, plus, for the corrector, ρ_t·(m_t − m0) for the model output
    /// `current` just computed.
    private func update(
        _ x: [Float], m0: [Float], rhos: [Double], rks: [Double], order: Int,
        a: Double, bm: Double, bd: Double, current: (output: [Float], rho: Double)?
    ) -> [Float] {
        let previousOutputs = (1..<max(order, 1)).map { modelOutputs[solverOrder - 1 - $0]! }
        var out = [Float](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let m0i = Double(m0[i])
            var res = 0.0
            for k in 0..<previousOutputs.count {
                res += rhos[k] * (Double(previousOutputs[k][i]) - m0i) / rks[k]
            }
            if let current { res += current.rho * (Double(current.output[i]) - m0i) }
            out[i] = Float(a * Double(x[i]) - bm * m0i - bd * res)
        }
        return out
    }

    /// Solves the small dense system A x = b (Gaussian elimination with partial pivoting),
    /// as `torch.linalg.solve` does for UniPC's order-3+ coefficients.
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
        let n = b.count
        var m = a, y = b
        for col in 0..<n {
            let pivot = (col..<n).max { abs(m[$0][col]) < abs(m[$1][col]) }!
            if pivot != col { m.swapAt(pivot, col); y.swapAt(pivot, col) }
            for row in (col + 1)..<n {
                let f = m[row][col] / m[col][col]
                for k in col..<n { m[row][k] -= f * m[col][k] }
                y[row] -= f * y[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var s = y[row]
            for k in (row + 1)..<n { s -= m[row][k] * x[k] }
            x[row] = s / m[row][row]
        }
        return x
    }
}
