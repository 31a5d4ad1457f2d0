// What can go wrong in `diff`, `view` and the deeper `inspect` options, as one-line messages
// that say what is wrong and how to fix it.

/// Errors from clip comparison, the terminal viewer and clip metrics.
public enum InspectionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Two clips given to `diff` cannot be compared frame by frame.
    case clipMismatch(pathA: String, pathB: String, reason: String)
    /// A frame index outside the clip.
    case frameOutOfRange(index: Int, frameCount: Int)
    /// `--play` needs a terminal on standard output.
    case notATerminal(what: String)

    public var description: String {
        switch self {
        case let .clipMismatch(a, b, reason):
            return "cannot compare \(a) with \(b): \(reason)"
        case let .frameOutOfRange(index, frameCount):
            return "frame \(index) is outside the clip, which has \(frameCount) frames (valid: 0 to \(frameCount - 1))"
        case let .notATerminal(what):
            return "\(what) needs a terminal on standard output; use --frame N to print one frame to a file or pipe"
        }
    }
}
