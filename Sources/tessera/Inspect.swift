// `tessera inspect`: a clip's properties, embedded generation parameters and per-frame table.

import ArgumentParser
import Foundation
import TesseraMedia

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a video's or frame folder's properties, generation metadata and per-frame statistics.",
        discussion: """
            Prints container, codec, size, fps, frame count, duration, the embedded generation \
            parameters (a video's `comment` tag, a frame's `parameters` chunk), the other tags, and \
            a table with each frame's mean R, G, B, luma (BT.601) and mean absolute difference from \
            the previous frame (0-255 scale). --json prints the same as one JSON object. \
            --contact-sheet writes a PNG grid of the frames with their numbers (from 0) drawn on them.

            Example:
              tessera inspect outputs/demo/clip.mp4 --contact-sheet outputs/demo/sheet.png --columns 8
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Video file, folder of PNG frames, or a `generate` output folder.")
    var path: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(name: .customLong("contact-sheet"), help: "Write a contact sheet PNG here.")
    var contactSheet: String?

    @Option(help: "Contact sheet columns.")
    var columns: Int = 8

    @Option(name: .customLong("cell-width"), help: "Contact sheet cell width in pixels (default: the frame width, at most 256).")
    var cellWidth: Int?

    @Flag(help: "Replace the contact sheet if it exists.")
    var overwrite = false

    func run() throws {
        try global.apply()
        if global.verbose { FFmpegLogging.set(.verbose) }
        InterruptCleanup.install()
        guard columns >= 1 else { throw ValidationError("--columns must be at least 1 (got \(columns)).") }
        if let cellWidth, !(8...4096).contains(cellWidth) {
            throw ValidationError("--cell-width must be 8 to 4096 pixels (got \(cellWidth)).")
        }
        let sheetURL = contactSheet.map { URL(fileURLWithPath: $0) }
        if let sheetURL, !overwrite, FileManager.default.fileExists(atPath: sheetURL.path) {
            throw MediaError.outputExists(path: sheetURL.path)
        }
        let source = ClipInspection.source(for: URL(fileURLWithPath: path))
        // Thumbnail width is only known once the first frame is read: probe cheaply first.
        var thumbnailWidth: Int?
        if sheetURL != nil {
            let width = try firstFrameWidth(source)
            thumbnailWidth = cellWidth ?? min(width, 256)
        }
        let (report, thumbnails) = try ClipInspection.inspect(source, thumbnailWidth: thumbnailWidth)
        if let sheetURL {
            let sheet = ContactSheet.render(thumbnails, columns: columns)
            try PNGFile.write(sheet, to: sheetURL, text: [("Software", TesseraVersion.string),
                                                          ("Source", report.path)], overwrite: overwrite)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.textReport)
        }
        if let sheetURL, !json { print("contact sheet: \(sheetURL.path)") }
    }

    private func firstFrameWidth(_ url: URL) throws -> Int {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try PNGFile.read(FrameSequence.list(url)[0]).image.width
        }
        return try VideoReader.probe(url).width
    }
}
