// `scheduler/scheduler_config.json` as diffusers 0.42.1 writes it, for the three flow-matching
// schedulers Tessera ports: FlowMatchEulerDiscreteScheduler, UniPCMultistepScheduler and
// DPMSolverMultistepScheduler. Keys are diffusers' own; a key that is absent takes diffusers'
// default for the scheduler that reads it. Keys Tessera has no use for are ignored, as
// diffusers' `from_config` ignores unexpected keys.

import Foundation

// MARK: - SchedulerConfig

/// The union of the three schedulers' configuration keys (diffusers names in `CodingKeys`).
public struct SchedulerConfig: Codable, Equatable, Sendable {
    /// `_class_name`: which diffusers scheduler wrote this file (decides which shift key applies).
    public var className: String?
    public var numTrainTimesteps: Int?

    // FlowMatchEulerDiscreteScheduler
    public var shift: Double?
    public var useDynamicShifting: Bool?
    public var invertSigmas: Bool?
    public var stochasticSampling: Bool?

    // UniPC and DPM-Solver
    public var flowShift: Double?
    public var useFlowSigmas: Bool?
    public var predictionType: String?
    public var solverOrder: Int?
    public var solverType: String?
    public var lowerOrderFinal: Bool?
    public var finalSigmasType: String?
    public var thresholding: Bool?
    public var predictX0: Bool?
    public var disableCorrector: [Int]?
    public var algorithmType: String?
    public var eulerAtFinal: Bool?

    // All three
    public var shiftTerminal: Double?
    public var useKarrasSigmas: Bool?
    public var useExponentialSigmas: Bool?
    public var useBetaSigmas: Bool?

    enum CodingKeys: String, CodingKey {
        case className = "_class_name"
        case numTrainTimesteps = "num_train_timesteps"
        case shift
        case useDynamicShifting = "use_dynamic_shifting"
        case invertSigmas = "invert_sigmas"
        case stochasticSampling = "stochastic_sampling"
        case flowShift = "flow_shift"
        case useFlowSigmas = "use_flow_sigmas"
        case predictionType = "prediction_type"
        case solverOrder = "solver_order"
        case solverType = "solver_type"
        case lowerOrderFinal = "lower_order_final"
        case finalSigmasType = "final_sigmas_type"
        case thresholding
        case predictX0 = "predict_x0"
        case disableCorrector = "disable_corrector"
        case algorithmType = "algorithm_type"
        case eulerAtFinal = "euler_at_final"
        case shiftTerminal = "shift_terminal"
        case useKarrasSigmas = "use_karras_sigmas"
        case useExponentialSigmas = "use_exponential_sigmas"
        case useBetaSigmas = "use_beta_sigmas"
    }

    public init() {}

    /// Wan2.1's `scheduler_config.json` (Wan-AI/Wan2.1-T2V-1.3B-Diffusers): UniPC, order 2,
    /// bh2, flow sigmas with `flow_shift` 3.0 (the 480p value; Wan uses 5.0 at 720p).
    public static var wan: SchedulerConfig {
        var c = SchedulerConfig()
        c.className = "UniPCMultistepScheduler"
        c.numTrainTimesteps = 1000
        c.flowShift = 3.0
        c.useFlowSigmas = true
        c.predictionType = "flow_prediction"
        c.solverOrder = 2
        c.solverType = "bh2"
        c.lowerOrderFinal = true
        c.finalSigmasType = "zero"
        c.predictX0 = true
        c.disableCorrector = []
        return c
    }

    /// Decodes diffusers' JSON.
    public init(json data: Data) throws {
        do {
            // Python's json module writes -Infinity and NaN (DPM-Solver's "lambda_min_clipped":
            // -Infinity, for one), which JSON5 accepts and strict JSON does not.
            let decoder = JSONDecoder()
            decoder.allowsJSON5 = true
            self = try decoder.decode(SchedulerConfig.self, from: data)
        } catch let error as DecodingError {
            throw SchedulerError.invalidConfig(reason: Self.describe(error))
        }
    }

    /// Reads and decodes a `scheduler_config.json` file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SchedulerError.invalidConfig(reason: "cannot read \(url.path): \(error.localizedDescription)")
        }
        do { try self.init(json: data) } catch let SchedulerError.invalidConfig(reason) {
            throw SchedulerError.invalidConfig(reason: "\(url.path): \(reason)")
        }
    }

    // MARK: - The model's shift

    /// The timestep shift the model was configured with: `shift` for a flow-match Euler config,
    /// `flow_shift` for UniPC and DPM-Solver configs (whichever the file holds), else 1.
    /// Every Tessera sampler uses this one value, so changing `--sampler` keeps the schedule's shift.
    public var modelShift: Double {
        if className == "FlowMatchEulerDiscreteScheduler" { return shift ?? flowShift ?? 1.0 }
        return flowShift ?? shift ?? 1.0
    }

    // MARK: - Validation shared by the schedulers

    /// A flow-match Euler config read by a multistep solver: diffusers' `from_config` would
    /// leave `use_flow_sigmas` false and `prediction_type` "epsilon" (the solvers' defaults),
    /// which is wrong for a flow-matching model; Tessera only runs flow-matching models, so the
    /// solver is told so. Configs of the solvers themselves pass through unchanged.
    func forMultistepSolver() -> SchedulerConfig {
        guard className == "FlowMatchEulerDiscreteScheduler" else { return self }
        var c = self
        c.useFlowSigmas = true
        c.predictionType = "flow_prediction"
        c.flowShift = shift ?? 1.0
        return c
    }

    /// Rejects the sigma-schedule options Tessera does not port.
    func checkCommonOptions() throws {
        let n = numTrainTimesteps ?? 1000
        guard n >= 1 else {
            throw SchedulerError.outOfRange(key: "num_train_timesteps", value: "\(n)", expected: "at least 1")
        }
        for (key, on) in [("use_karras_sigmas", useKarrasSigmas), ("use_exponential_sigmas", useExponentialSigmas),
                          ("use_beta_sigmas", useBetaSigmas), ("use_dynamic_shifting", useDynamicShifting)]
        where on == true {
            throw SchedulerError.unsupported(
                key: key, value: "true", hint: "Tessera's flow-matching schedules use a fixed shift; set it to false")
        }
        if let t = shiftTerminal, !(t >= 0 && t < 1) {
            throw SchedulerError.outOfRange(key: "shift_terminal", value: "\(t)", expected: "a value in [0, 1)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .typeMismatch(type, context), let .valueNotFound(type, context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "key '\(path)' should be \(type)"
        case let .keyNotFound(key, _):
            return "missing key '\(key.stringValue)'"
        case let .dataCorrupted(context):
            return "not valid JSON (\(context.debugDescription))"
        @unknown default:
            return "\(error)"
        }
    }
}
