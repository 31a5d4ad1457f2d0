// Writes a generated clip into an output folder: the video, the numbered PNG frames with
// A1111's `parameters` chunk, and `metadata.json` last, all inside the folder's temporary
// name (see OutputFolder), which the caller commits.

import Foundation
import TesseraMedia

// MARK: - ClipWriter

/// How a clip is written.
public struct ClipOutputOptions: Sendable, Equatable {
    public var format: VideoFormat
    /// Also write `frames/00001.png`, ….
    public var writeFrames: Bool
    /// Encoder quality (nil: the format's default).
    public var crf: Int?

    public init(format: VideoFormat = .mp4, writeFrames: Bool = true, crf: Int? = nil) {
        self.format = format
        self.writeFrames = writeFrames
        self.crf = crf
    }
}

/// The model a clip came from, as metadata records it.
public struct ModelIdentity: Sendable, Equatable {
    public var name: String
    public var path: String
    public var sha256: String
    public var vaeSHA256: String
    public var promptEncoder: String

    /// Hashes the folder's weights (a second or so for a 60 MB model).
    public init(folder: ModelFolder) throws {
        name = folder.name
        path = folder.url.path
        sha256 = try folder.weightsSHA256()
        vaeSHA256 = try folder.vaeSHA256()
        promptEncoder = "\(folder.promptEncoder.name) (max_length \(folder.promptEncoder.maxLength), padding \(folder.promptEncoder.padding.rawValue))"
    }

    public init(name: String, path: String, sha256: String, vaeSHA256: String, promptEncoder: String) {
        self.name = name
        self.path = path
        self.sha256 = sha256
        self.vaeSHA256 = vaeSHA256
        self.promptEncoder = promptEncoder
    }
}

public enum ClipWriter {
    /// The parameters every output carries (PNG chunk, video comment tag, metadata).
    public static func parameters(_ clip: GeneratedClip, model: ModelIdentity) -> GenerationParameters {
        let r = clip.request
        return GenerationParameters(
            prompt: r.prompt, negativePrompt: r.usesGuidance ? r.negativePrompt : "", steps: r.steps,
            sampler: (r.sampler ?? .unipc).rawValue, guidance: r.guidance, shift: r.shift ?? 1, seed: r.seed,
            width: r.width, height: r.height, frames: r.frames, fps: r.fps, modelName: model.name, modelHash: model.sha256)
    }

    /// Writes the clip's files into `folder` (not committed) and returns the file list.
    /// - Parameters:
    ///   - software: e.g. "tessera 0.1.0", written in tags and PNG chunks.
    ///   - progress: reported as the `write` stage, one unit per frame plus one for the video.
    @discardableResult
    public static func write(
        _ clip: GeneratedClip, into folder: OutputFolder, model: ModelIdentity, options: ClipOutputOptions,
        software: String, cancellation: Cancellation? = nil, progress: ProgressHandler? = nil
    ) throws -> [String] {
        let parameters = parameters(clip, model: model)
        let frames = clip.frames
        let clock = StageClock(stage: .write, total: frames.count * (options.writeFrames ? 2 : 1),
                               progress: progress, cancellation: cancellation)
        try clock.begin()
        var files: [String] = []
        let videoName = "clip.\(options.format.fileExtension)"
        let first = frames[0]
        let writer = try VideoWriter(
            url: try folder.url(for: videoName), width: first.width, height: first.height, fps: clip.request.fps,
            format: options.format, crf: options.crf, metadata: parameters.videoTags(software: software),
            threads: 0, overwrite: true)
        for frame in frames {
            try writer.append(frame)
            try clock.advance()
        }
        try writer.finish()
        files.append(videoName)
        if options.writeFrames {
            let text = parameters.pngText(software: software)
            for (i, frame) in frames.enumerated() {
                let name = String(format: "frames/%05d.png", i + 1)
                try PNGFile.write(frame, to: try folder.url(for: name), text: text)
                files.append(name)
                try clock.advance()
            }
        }
        return files
    }

    /// Peak resident memory of this process so far (getrusage; Linux reports KiB, macOS bytes).
    public static func peakMemoryBytes() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #endif
    }
}
