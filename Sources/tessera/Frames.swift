// `tessera frames`: a video's frames out as numbered PNGs.

import ArgumentParser
import Foundation
import TesseraMedia

struct Frames: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Extract a video's frames as PNG files (00001.png, 00002.png, ...).",
        discussion: """
            Reads any video FFmpeg can decode. --range A:B keeps frames A to B-1, counted from 0 \
            (A: or :B leave one end open); files are numbered from 00001.png, as `generate` writes \
            them. The clip's generation parameters (its `comment` tag), if any, go into each PNG's \
            `parameters` text chunk. The folder is filled under a temporary name and renamed when \
            complete; a folder that already holds files is refused unless --overwrite.

            Example:
              tessera frames outputs/demo/clip.mp4 -o outputs/demo/decoded --range 0:8
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Video file.")
    var video: String

    @Option(name: .shortAndLong, help: "Output folder (created if missing).")
    var output: String

    @Option(help: "Frames A to B-1, counted from 0 (A:B, A: or :B).")
    var range: String?

    @Flag(help: "Write into a folder that already holds files, replacing frames of the same name.")
    var overwrite = false

    func run() throws {
        try global.apply()
        if global.verbose { FFmpegLogging.set(.verbose) }
        InterruptCleanup.install()
        var frameRange = FrameRange(lowerBound: 0, upperBound: nil)
        if let range {
            guard let parsed = FrameRange(parsing: range) else {
                throw ValidationError("--range must be A:B with 0 <= A < B (frames A to B-1, counted from 0); got '\(range)'.")
            }
            frameRange = parsed
        }
        let folder = URL(fileURLWithPath: output)
        let written = try FrameExport.export(video: URL(fileURLWithPath: video), to: folder, range: frameRange,
                                             overwrite: overwrite)
        print("wrote \(written.count) frames (\(written.range.lowerBound):\(written.range.upperBound) of \(written.frameCount)) to \(folder.path)")
    }
}
