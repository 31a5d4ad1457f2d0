// The sampler names the command line and metadata use, and the scheduler each one builds from
// a model's `scheduler_config.json`.

// MARK: - Sampler

/// Tessera's samplers: `--sampler euler|unipc|dpm++`.
public enum Sampler: String, CaseIterable, Sendable, Codable {
    /// Flow-matching Euler (diffusers `FlowMatchEulerDiscreteScheduler`).
    case euler
    /// UniPC multistep, Wan's default (diffusers `UniPCMultistepScheduler`).
    case unipc
    /// DPM-Solver++ 2M (diffusers `DPMSolverMultistepScheduler`).
    case dpmpp = "dpm++"

    /// Parses a command-line name (`dpmpp` and `dpm++2m` are accepted for `dpm++`).
    public init(name: String) throws {
        switch name.lowercased() {
        case "euler", "flow-euler", "flowmatch-euler": self = .euler
        case "unipc": self = .unipc
        case "dpm++", "dpmpp", "dpm++2m", "dpmpp2m", "dpm++-2m": self = .dpmpp
        default: throw SchedulerError.unknownSampler(name)
        }
    }

    /// The sampler a model's scheduler config names (`_class_name`), UniPC when it names none.
    public static func `default`(for config: SchedulerConfig) -> Sampler {
        switch config.className {
        case "FlowMatchEulerDiscreteScheduler": return .euler
        case "DPMSolverMultistepScheduler": return .dpmpp
        default: return .unipc
        }
    }

    /// The diffusers class this sampler ports.
    public var diffusersClass: String {
        switch self {
        case .euler: return "FlowMatchEulerDiscreteScheduler"
        case .unipc: return "UniPCMultistepScheduler"
        case .dpmpp: return "DPMSolverMultistepScheduler"
        }
    }

    /// Builds this sampler's scheduler from the model's config, `shift` overriding its shift.
    public func makeScheduler(config: SchedulerConfig, shift: Double? = nil) throws -> any Scheduler {
        switch self {
        case .euler: return try FlowMatchEulerScheduler(config: config, shift: shift)
        case .unipc: return try UniPCMultistepScheduler(config: config, shift: shift)
        case .dpmpp: return try DPMSolverMultistepScheduler(config: config, shift: shift)
        }
    }
}
