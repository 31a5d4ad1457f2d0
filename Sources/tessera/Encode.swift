// `tessera encode`: a folder of numbered PNG frames to a video file.

import ArgumentParser
import Foundation
import TesseraMedia

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode a folder of numbered PNG frames into MP4 (H.264), WebM (VP9) or GIF.",
        discussion: """
            Frames are ordered by the number in each file name (00001.png, 00002.png, ...) and must \
            all have the same size. The format comes from --format, else from the output's extension. \
            MP4 pads odd sizes to even by repeating the last column/row; GIF uses one palette \
            computed over the whole clip. When the first frame carries a `parameters` text chunk \
            (Tessera's frames do), it becomes the clip's `comment` tag, with tags marking the clip \
            as AI-generated. The file is written under a temporary name and renamed when complete.

            Example:
              tessera encode outputs/demo/frames -o outputs/demo/clip.mp4 --fps 16 --crf 18
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Folder of PNG frames.")
    var framesDirectory: String

    @Option(name: .shortAndLong, help: "Output video file (.mp4, .webm or .gif).")
    var output: String

    @Option(help: "Frames per second, 1 to 240.")
    var fps: Int = 16

    @Option(help: "mp4, webm or gif (default: from the output's extension).")
    var format: String?

    @Option(help: "Quality, lower is better: H.264 0-51 (default 18), VP9 0-63 (default 24).")
    var crf: Int?

    @Option(help: "Encoder speed preset: ultrafast ... medium ... veryslow.")
    var preset: String = "medium"

    @Flag(help: "Replace the output if it exists.")
    var overwrite = false

    func run() throws {
        try global.apply()
        if global.verbose { FFmpegLogging.set(.verbose) }
        InterruptCleanup.install()
        let outputURL = URL(fileURLWithPath: output)
        let videoFormat = try VideoFormat.resolve(name: format, url: outputURL)
        guard (1...240).contains(fps) else { throw MediaError.invalidFrameRate(fps) }
        if let crf, !(videoFormat.crfRange?.contains(crf) ?? false) {
            throw MediaError.invalidCRF(format: videoFormat.rawValue, value: crf, valid: videoFormat.crfRange ?? 0...0)
        }
        if !overwrite && FileManager.default.fileExists(atPath: outputURL.path) {
            throw MediaError.outputExists(path: outputURL.path)
        }
        let directory = URL(fileURLWithPath: framesDirectory)
        let files = try FrameSequence.list(directory)
        let (first, text) = try PNGFile.read(files[0])
        var tags: [String: String] = [:]
        if let parameters = text["parameters"] {
            tags = ["comment": parameters, "ai_generated": "true",
                    "description": GenerationParameters.aiGeneratedDescription]
        }
        let writer = try VideoWriter(url: outputURL, width: first.width, height: first.height, fps: fps,
                                     format: videoFormat, crf: crf, metadata: tags, preset: preset,
                                     threads: global.threads ?? 0, overwrite: overwrite)
        try FrameSequence.forEachFrame(directory) { _, _, frame, _ in try writer.append(frame) }
        try writer.finish()
        let padded = writer.encodedWidth != first.width || writer.encodedHeight != first.height
        print("wrote \(outputURL.path): \(writer.frameCount) frames, \(first.width)x\(first.height)"
              + (padded ? " (padded to \(writer.encodedWidth)x\(writer.encodedHeight))" : "")
              + ", \(fps) fps, \(videoFormat.rawValue)")
    }
}
