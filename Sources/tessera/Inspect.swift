// `tessera inspect`: a clip's properties, embedded generation parameters and per-frame table.

import ArgumentParser
import Foundation
import TesseraMedia
import TesseraPipeline

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a video's or frame folder's properties, generation metadata and per-frame statistics.",
        discussion: """
            Prints container, codec, size, fps, frame count, duration, the embedded generation \
            parameters (a video's `comment` tag, a frame's `parameters` chunk), the other tags, and \
            a table with each frame's mean R, G, B, luma (BT.601) and mean absolute difference from \
            the previous frame (0-255 scale). --json prints the same as one JSON object. \
            --contact-sheet writes a PNG grid of the frames with their numbers (from 0) drawn on them; \
            --every N keeps one frame in N, --range A:B a part of the clip, --scale or --cell-width \
            sets the cell size, --label number|time|both what is drawn in each cell. \
            A second table gives clip metrics per frame: sharpness (variance of the 3x3 Laplacian of \
            luma), motion energy (mean squared luma difference from the previous frame) and flicker \
            (mean absolute RGB difference from the previous frame, as VBench's temporal flickering), \
            with clip summaries (JSON: "metrics"). --steps reads a `generate --trace` output folder's \
            trace.safetensors, decodes each step's predicted clean latents with the model's VAE and \
            writes a steps x frames grid (row = step, column = frame). --latents reads a \
            `generate --save-latents` folder's latents.safetensors (or that file) and draws each \
            latent frame with the first three principal components over the latent channels as \
            red, green and blue (1st-99th percentile to 0-255; latent frame t covers video frames \
            4t-3 to 4t, frame 0 alone), --columns to a row, --cell-width pixels wide.

            Examples:
              tessera inspect outputs/demo/clip.mp4 --contact-sheet outputs/demo/sheet.png --columns 8
              tessera inspect outputs/demo --json
              tessera inspect clip.mp4 --contact-sheet sheet.png --every 4 --range 0:32 --scale 0.5 --label both
              tessera inspect outputs/demo --steps -o steps.png
              tessera inspect outputs/demo --latents -o latents.png
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

    @Option(help: "Contact sheet: every Nth frame.")
    var every: Int = 1

    @Option(help: "Contact sheet: frames A:B (A included, B excluded; A: or :B), from 0.")
    var range: String?

    @Option(help: "Contact sheet cell size as a fraction of the frame size (instead of --cell-width).")
    var scale: Double?

    @Option(help: "Contact sheet labels: number, time (seconds) or both.")
    var label: String = "number"

    @Flag(help: "Replace the contact sheet (or --steps grid) if it exists.")
    var overwrite = false

    @Flag(help: "Decode a `generate --trace` folder's trace.safetensors into a steps x frames grid PNG.")
    var steps = false

    @Flag(help: "Draw a `generate --save-latents` folder's latents: first three principal components over channels as RGB.")
    var latents = false

    @Option(name: .shortAndLong, help: "With --steps or --latents: the PNG (default: OUTDIR/trace/steps.png, OUTDIR/latents/pca.png).")
    var output: String?

    @Option(help: "With --steps: the model folder whose VAE decodes the trace (default: the one recorded in it).")
    var model: String?

    func run() throws {
        try global.apply()
        if global.verbose { FFmpegLogging.set(.verbose) }
        InterruptCleanup.install()
        guard columns >= 1 else { throw ValidationError("--columns must be at least 1 (got \(columns)).") }
        if let cellWidth, !(8...4096).contains(cellWidth) {
            throw ValidationError("--cell-width must be 8 to 4096 pixels (got \(cellWidth)).")
        }
        if steps && latents { throw ValidationError("--steps and --latents cannot be used together.") }
        if steps {
            try runSteps()
            return
        }
        if latents {
            try runLatents()
            return
        }
        guard every >= 1 else { throw ValidationError("--every must be at least 1 (got \(every)).") }
        if let scale, !(scale > 0 && scale <= 4) { throw ValidationError("--scale must be above 0 and at most 4 (got \(scale)).") }
        if scale != nil && cellWidth != nil { throw ValidationError("--scale and --cell-width cannot be used together.") }
        guard let labelKind = ContactSheetLayout.Label(rawValue: label) else {
            throw ValidationError("--label must be number, time or both (got \(label)).")
        }
        let frameRange = try range.map { text -> FrameRange in
            guard let parsed = FrameRange(parsing: text) else {
                throw ValidationError("--range must be A:B with 0 <= A < B, or A: or :B (got \(text)).")
            }
            return parsed
        }
        let layout = ContactSheetLayout(every: every, range: frameRange, label: labelKind)
        let sheetURL = contactSheet.map { URL(fileURLWithPath: $0) }
        if let sheetURL, !overwrite, FileManager.default.fileExists(atPath: sheetURL.path) {
            throw MediaError.outputExists(path: sheetURL.path)
        }
        let source = ClipInspection.source(for: URL(fileURLWithPath: path))
        // Thumbnail width is only known once the first frame is read: probe cheaply first.
        var thumbnailWidth: Int?
        if sheetURL != nil {
            let width = try firstFrameWidth(source)
            thumbnailWidth = cellWidth ?? scale.map { max(8, Int((Double(width) * $0).rounded())) } ?? min(width, 256)
        }
        let (report, thumbnails) = try ClipInspection.inspect(source, thumbnailWidth: thumbnailWidth)
        if let sheetURL {
            let fps = report.info.frameRateDenominator > 0 ? report.info.fps : nil
            let sheet = try layout.render(thumbnails, fps: fps, columns: columns)
            try PNGFile.write(sheet, to: sheetURL, text: [("Software", TesseraVersion.string),
                                                          ("Source", report.path)], overwrite: overwrite)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.textReport)
            if let metrics = report.metrics { print("\n" + metrics.textReport) }
        }
        if let sheetURL, !json { print("contact sheet: \(sheetURL.path)") }
    }

    /// `--steps`: the denoising trace of an output folder as a steps x frames grid.
    private func runSteps() throws {
        let folder = URL(fileURLWithPath: path)
        // The default sits in a subfolder: a PNG at the top of an output folder would make
        // `inspect`, `diff` and `view` take the folder for a frame sequence.
        let gridURL = output.map { URL(fileURLWithPath: $0) } ?? folder.appendingPathComponent("trace/steps.png")
        if !overwrite, FileManager.default.fileExists(atPath: gridURL.path) { throw MediaError.outputExists(path: gridURL.path) }
        let (grid, stepCount, frameCount) = try DenoisingTrace.grid(
            outputFolder: folder, model: model.map { URL(fileURLWithPath: $0) }, cellWidth: cellWidth)
        if output == nil {
            try FileManager.default.createDirectory(at: gridURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        try PNGFile.write(grid, to: gridURL, text: [("Software", TesseraVersion.string), ("Source", folder.path)],
                          overwrite: overwrite)
        print("denoising trace: \(stepCount) steps x \(frameCount) frames, \(grid.width)x\(grid.height) grid: \(gridURL.path)")
    }

    /// `--latents`: a saved clip's latents as principal-component pictures.
    private func runLatents() throws {
        let (tensor, _, file) = try LatentsFile.load(URL(fileURLWithPath: path))
        // Beside the file, or in a subfolder of an output folder (see runSteps).
        let pictureURL = output.map { URL(fileURLWithPath: $0) }
            ?? (file.lastPathComponent == LatentsFile.fileName
                ? file.deletingLastPathComponent().appendingPathComponent("latents/pca.png")
                : file.deletingPathExtension().appendingPathExtension("pca.png"))
        if !overwrite, FileManager.default.fileExists(atPath: pictureURL.path) { throw MediaError.outputExists(path: pictureURL.path) }
        let picture = LatentsFile.principalComponents(of: tensor, columns: columns, cellWidth: cellWidth)
        if output == nil {
            try FileManager.default.createDirectory(at: pictureURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        try PNGFile.write(picture.image, to: pictureURL, text: [("Software", TesseraVersion.string), ("Source", file.path)],
                          overwrite: overwrite)
        let shape = picture.shape
        let shares = picture.analysis.explainedVarianceRatios.map { String(format: "%.1f%%", $0 * 100) }
        print("latents: \(shape[0]) channels x \(shape[1]) frames of \(shape[3])x\(shape[2]); "
              + "principal components 1-\(shares.count) (red, green, blue) explain \(shares.joined(separator: ", ")) of the variance; "
              + "\(picture.image.width)x\(picture.image.height) picture: \(pictureURL.path)")
    }

    private func firstFrameWidth(_ url: URL) throws -> Int {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try PNGFile.read(FrameSequence.list(url)[0]).image.width
        }
        return try VideoReader.probe(url).width
    }
}
