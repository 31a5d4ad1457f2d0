// What the pipeline reports while it works, and how a caller stops it.

// MARK: - ProgressEvent

/// One report from a run: the stage, how far it is, and how long it has taken.
public struct ProgressEvent: Sendable, Equatable {
    /// The stages of a run, in order.
    public enum Stage: String, Sendable, CaseIterable {
        case load
        case encodePrompt = "encode"
        case denoise
        case decode
        case write
    }

    public var stage: Stage
    /// Units done within the stage (denoising steps, latent frames decoded, frames written).
    public var completed: Int
    /// Units in the stage.
    public var total: Int
    /// Seconds since the stage began.
    public var elapsed: Double

    public init(stage: Stage, completed: Int, total: Int, elapsed: Double) {
        self.stage = stage
        self.completed = completed
        self.total = total
        self.elapsed = elapsed
    }

    /// Units per second so far (0 before the first unit).
    public var rate: Double { completed > 0 && elapsed > 0 ? Double(completed) / elapsed : 0 }

    /// Seconds left at the current rate (nil before the first unit).
    public var remaining: Double? { completed > 0 && rate > 0 ? Double(total - completed) / rate : nil }
}

/// Called at the start of each stage and after each unit of work; return `false` to stop
/// the run (it then throws `PipelineError.cancelled` and keeps no output).
public typealias ProgressHandler = (ProgressEvent) -> Bool
