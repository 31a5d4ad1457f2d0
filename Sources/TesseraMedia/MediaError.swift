// Everything that can go wrong reading or writing media, as one-line messages that say what
// is wrong and how to fix it.

/// Errors from PNG and video I/O, frame folders and their validation.
public enum MediaError: Error, CustomStringConvertible, Equatable, Sendable {
    /// libpng refused to read `path`: `message` is libpng's own text.
    case pngRead(path: String, message: String)
    /// libpng could not write `path`.
    case pngWrite(path: String, message: String)
    /// A PNG text key is not 1-79 printable ASCII characters, or a value contains NUL.
    case invalidTextChunk(key: String)
    /// FFmpeg could not open or decode `path` (`message` carries av_strerror's text).
    case videoRead(path: String, message: String)
    /// FFmpeg could not encode or write `path`.
    case videoWrite(path: String, message: String)
    /// A folder given as a frame sequence holds no `.png` files.
    case noFrames(directory: String)
    /// Frames of one sequence differ in size.
    case frameSizeMismatch(path: String, expected: String, found: String)
    /// The frame rate is outside 1...240.
    case invalidFrameRate(Int)
    /// The frame size is not positive or exceeds the limit.
    case invalidFrameSize(width: Int, height: Int)
    /// The CRF is outside what the format's encoder accepts.
    case invalidCRF(format: String, value: Int, valid: ClosedRange<Int>)
    /// An x264-style preset name that is not one of `VideoFormat.presets`.
    case invalidPreset(String)
    /// A format name or file extension that is not mp4, webm or gif.
    case unknownFormat(String)
    /// A frame range that does not lie inside the clip's `frameCount` frames.
    case rangeOutsideClip(range: String, frameCount: Int)
    /// The output exists and overwriting was not asked for.
    case outputExists(path: String)
    /// The output cannot be created in its folder.
    case notWritable(path: String, reason: String)
    /// A file or folder that should exist does not, or cannot be listed.
    case notFound(path: String)
    /// A file was given where a folder of frames was expected.
    case notAFolder(path: String)
    /// The writer was used after `finish()` or after a failure.
    case writerClosed(path: String)

    public var description: String {
        switch self {
        case let .pngRead(path, message):
            return "cannot read PNG \(path): \(message)"
        case let .pngWrite(path, message):
            return "cannot write PNG \(path): \(message)"
        case let .invalidTextChunk(key):
            return "invalid PNG text chunk '\(key)': keys are 1-79 printable ASCII characters without leading or trailing spaces, values contain no NUL"
        case let .videoRead(path, message):
            return "cannot read video \(path): \(message)"
        case let .videoWrite(path, message):
            return "cannot write video \(path): \(message)"
        case let .noFrames(directory):
            return "no PNG frames in \(directory): expected files like 00001.png, 00002.png, ..."
        case let .frameSizeMismatch(path, expected, found):
            return "frame \(path) is \(found), but the sequence is \(expected): all frames must have the same size"
        case let .invalidFrameRate(fps):
            return "frame rate \(fps) is out of range: use 1 to 240 frames per second"
        case let .invalidFrameSize(width, height):
            return "frame size \(width)x\(height) is invalid: width and height must be 1 to 16384"
        case let .invalidCRF(format, value, valid):
            return "CRF \(value) is out of range for \(format): use \(valid.lowerBound) to \(valid.upperBound) (lower is better quality)"
        case let .invalidPreset(name):
            return "unknown preset '\(name)': use one of \(VideoFormat.presets.joined(separator: ", "))"
        case let .unknownFormat(name):
            return "unknown video format '\(name)': use mp4, webm or gif (or an output name ending in .mp4, .webm, .gif)"
        case let .rangeOutsideClip(range, frameCount):
            return "frame range \(range) is outside the clip, which has \(frameCount) frames (valid: 0:\(frameCount) or any A:B inside it)"
        case let .outputExists(path):
            return "\(path) already exists: pass --overwrite to replace it"
        case let .notWritable(path, reason):
            return "cannot create \(path): \(reason)"
        case let .notFound(path):
            return "\(path) does not exist or cannot be read"
        case let .notAFolder(path):
            return "\(path) is a file, not a folder of PNG frames (expected a folder with 00001.png, 00002.png, ...)"
        case let .writerClosed(path):
            return "the writer for \(path) is already finished or failed; create a new one"
        }
    }
}
