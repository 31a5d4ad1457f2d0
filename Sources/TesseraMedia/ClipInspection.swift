// What `tessera inspect` reports about a clip or a folder of frames.

import Foundation

/// A clip's properties, embedded generation parameters and per-frame statistics, read from a
/// video file or a folder of PNG frames.
public struct ClipInspection: Codable, Sendable {
    /// The file or folder inspected.
    public var path: String
    /// "video" or "frames" (a PNG folder).
    public var kind: String
    public var info: VideoInfo
    /// Parsed from the video's `comment` tag or the first frame's `parameters` chunk.
    public var parameters: GenerationParameters?
    public var frames: [FrameStatistics]
    /// Sharpness, motion energy and flicker per frame, with clip summaries (`ClipMetrics`).
    public var metrics: ClipMetrics?

    /// What `inspect` reads for `url`: the file itself; a folder of PNG frames; or, for a
    /// `generate` output folder (no PNGs of its own), its `clip.mp4`/`.webm`/`.gif`, else its
    /// `frames/` folder.
    public static func source(for url: URL) -> URL {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue,
              let names = try? fm.contentsOfDirectory(atPath: url.path),
              !names.contains(where: { $0.lowercased().hasSuffix(".png") && !$0.hasPrefix(".") })
        else { return url }
        for format in VideoFormat.allCases where names.contains("clip.\(format.fileExtension)") {
            return url.appendingPathComponent("clip.\(format.fileExtension)")
        }
        if names.contains("frames") { return url.appendingPathComponent("frames") }
        return url
    }

    /// Inspects `url` (a video, a folder of PNG frames, or a `generate` output folder: see
    /// `source(for:)`). With `thumbnailWidth`, also returns every frame resized to that width
    /// (for a contact sheet); frames are otherwise not kept, so long clips need little memory.
    public static func inspect(_ url: URL, thumbnailWidth: Int? = nil) throws -> (ClipInspection, thumbnails: [RGBImage]) {
        let url = source(for: url)
        var stats: [FrameStatistics] = []
        var thumbnails: [RGBImage] = []
        var previous: RGBImage?
        var metrics = ClipMetrics.Accumulator()
        func measure(_ index: Int, _ frame: RGBImage) {
            stats.append(FrameStatistics(frame, index: index, previous: previous))
            metrics.add(frame, index: index)
            previous = frame
            if let thumbnailWidth {
                let h = max(1, Int((Double(frame.height) * Double(thumbnailWidth) / Double(frame.width)).rounded()))
                thumbnails.append(frame.resized(toWidth: thumbnailWidth, height: h))
            }
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw MediaError.notFound(path: url.path)
        }
        if isDirectory.boolValue {
            var text: [String: String] = [:]
            var size = (0, 0)
            let count = try FrameSequence.forEachFrame(url) { index, _, frame, chunks in
                if index == 0 { text = chunks; size = (frame.width, frame.height) }
                measure(index, frame)
            }
            let parameters = text["parameters"].flatMap(GenerationParameters.init(a1111Text:))
            let fps = parameters?.fps ?? 0
            let info = VideoInfo(container: "png sequence", codec: "png", pixelFormat: "rgb24", width: size.0,
                                 height: size.1, frameRateNumerator: fps, frameRateDenominator: fps > 0 ? 1 : 0,
                                 frameCount: count, duration: fps > 0 ? Double(count) / Double(fps) : nil, tags: text)
            return (ClipInspection(path: url.path, kind: "frames", info: info, parameters: parameters, frames: stats,
                                   metrics: metrics.metrics),
                    thumbnails)
        }
        let info = try VideoReader.forEachFrame(url) { index, frame in measure(index, frame) }
        return (ClipInspection(path: url.path, kind: "video", info: info, parameters: info.generationParameters,
                               frames: stats, metrics: metrics.metrics), thumbnails)
    }
}

// MARK: - Text

extension ClipInspection {
    /// The report as a table for the terminal: properties, generation parameters, tags, then one
    /// line per frame.
    public var textReport: String {
        let report = self
        let info = report.info
        var lines = [report.path]
        func row(_ key: String, _ value: String) { lines.append("  " + key.padding(toLength: 12, withPad: " ", startingAt: 0) + value) }
        row("container", info.container)
        row("codec", "\(info.codec) (\(info.pixelFormat))")
        row("size", "\(info.width)x\(info.height)")
        row("fps", info.frameRateDenominator > 0
            ? String(format: "%g (%d/%d)", info.fps, info.frameRateNumerator, info.frameRateDenominator) : "unknown")
        row("frames", "\(info.frameCount)")
        row("duration", info.duration.map { String(format: "%.3f s", $0) } ?? "unknown")
        if let p = report.parameters {
            row("prompt", p.prompt)
            if !p.negativePrompt.isEmpty { row("negative", p.negativePrompt) }
            row("generation", "steps \(p.steps), sampler \(p.sampler), guidance \(p.guidance), shift \(p.shift), seed \(p.seed)")
            row("model", p.modelName + (p.modelHash.isEmpty ? "" : " (\(p.modelHash))"))
        }
        let shown = info.tags.keys.sorted().filter { !(report.parameters != nil && ($0 == "comment" || $0 == "parameters")) }
        for key in shown { row(key == shown.first ? "tags" : "", "\(key) = \(info.tags[key]!.replacingOccurrences(of: "\n", with: " | "))") }
        lines.append("")
        lines.append(" frame   mean R   mean G   mean B     luma   |prev diff|")
        for f in report.frames {
            let difference = f.meanAbsoluteDifference.map { String(format: "%9.3f", $0) } ?? "        -"
            lines.append(String(format: "%6d %8.2f %8.2f %8.2f %8.2f   ", f.index, f.meanRed, f.meanGreen, f.meanBlue,
                                f.meanLuma) + difference)
        }
        return lines.joined(separator: "\n")
    }
}
