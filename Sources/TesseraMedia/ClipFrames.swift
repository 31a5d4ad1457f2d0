// Loads a whole clip into memory from any source `inspect` accepts: a video file, a folder of
// PNG frames, or a `generate` output folder.

import Foundation

/// A clip's frames and frame rate, read in one go (for `diff` and `view`, whose clips are short).
public struct ClipFrames: Sendable {
    /// The file or folder the frames were read from (after `ClipInspection.source(for:)`).
    public var path: String
    public var frames: [RGBImage]
    /// Frames per second: the video's, a frame folder's `parameters` chunk's, else nil.
    public var fps: Double?

    public init(path: String, frames: [RGBImage], fps: Double?) {
        self.path = path
        self.frames = frames
        self.fps = fps
    }

    /// Reads every frame of `url` (a video, a PNG folder, or a `generate` output folder).
    public static func load(_ url: URL) throws -> ClipFrames {
        let source = ClipInspection.source(for: url)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory) else {
            throw MediaError.notFound(path: source.path)
        }
        if isDirectory.boolValue {
            let (frames, text) = try FrameSequence.load(source)
            let fps = text["parameters"].flatMap(GenerationParameters.init(a1111Text:))?.fps
            return ClipFrames(path: source.path, frames: frames, fps: fps.flatMap { $0 > 0 ? Double($0) : nil })
        }
        let (info, frames) = try VideoReader.read(source)
        return ClipFrames(path: source.path, frames: frames, fps: info.frameRateDenominator > 0 ? info.fps : nil)
    }
}
