// Encodes RGB frames to MP4 (H.264), WebM (VP9) or GIF through the FFmpeg shim.

import CFFmpegShim
import Foundation

/// Writes a clip frame by frame. The file is written under a temporary name beside `url` and
/// renamed on `finish()`; a writer dropped without `finish()` (or one that failed) leaves
/// nothing behind.
///
/// - Frame rate: exact, the codec time base is 1/fps and timestamps are rescaled to the
///   stream's (GIF stores centiseconds, so e.g. 16 fps alternates 6 and 7 cs delays).
/// - Odd sizes: H.264 4:2:0 needs even sizes, so MP4 frames are padded to even by repeating
///   their last column/row (`encodedWidth`/`encodedHeight` say what was written). WebM and
///   GIF keep odd sizes as they are.
/// - GIF: frames are kept in memory until `finish()`, which computes one palette over the
///   whole clip (`GIFPalette`) and encodes them.
/// - Metadata: container tags (MP4 with `use_metadata_tags`, so any key survives; Matroska
///   tags in WebM). GIF has only comments: `description` and `comment` become Comment
///   Extension blocks (FFmpeg reports the last, `comment`, as the clip's `comment` tag).
public final class VideoWriter {
    public let url: URL
    public let width: Int
    public let height: Int
    public let fps: Int
    public let format: VideoFormat
    /// The size actually encoded (MP4 pads odd sizes to even).
    public let encodedWidth: Int
    public let encodedHeight: Int
    /// Frames appended so far.
    public private(set) var frameCount = 0

    private var file: AtomicFile?
    private var writer: OpaquePointer?
    private var gifFrames: [RGBImage] = []
    private let overwrite: Bool
    private let metadata: [String: String]

    /// Opens the output. `crf`: quality (lower is better; default `format.defaultCRF`);
    /// `preset`: x264 preset name (VP9 maps it to `cpu-used`); `threads`: encoder threads,
    /// 0 = FFmpeg's choice; `overwrite`: replace an existing file on `finish()`, otherwise
    /// `MediaError.outputExists` (checked now and again atomically when renaming).
    public init(
        url: URL, width: Int, height: Int, fps: Int, format: VideoFormat, crf: Int? = nil,
        metadata: [String: String] = [:], preset: String = "medium", threads: Int = 0, overwrite: Bool = true
    ) throws {
        guard (1...240).contains(fps) else { throw MediaError.invalidFrameRate(fps) }
        guard (1...16384).contains(width), (1...16384).contains(height) else {
            throw MediaError.invalidFrameSize(width: width, height: height)
        }
        if let crf {
            guard let range = format.crfRange, range.contains(crf) else {
                throw MediaError.invalidCRF(format: format.rawValue, value: crf, valid: format.crfRange ?? 0...0)
            }
        }
        guard VideoFormat.presets.contains(preset) else { throw MediaError.invalidPreset(preset) }
        if !overwrite && FileManager.default.fileExists(atPath: url.path) { throw MediaError.outputExists(path: url.path) }
        self.url = url
        self.width = width
        self.height = height
        self.fps = fps
        self.format = format
        self.overwrite = overwrite
        self.metadata = metadata
        encodedWidth = format.needsEvenSize ? (width + 1) & ~1 : width
        encodedHeight = format.needsEvenSize ? (height + 1) & ~1 : height

        let file = try AtomicFile(destination: url)
        self.file = file
        var codecOptions = ["threads=\(max(0, threads))"]
        var muxerOptions: [String] = []
        let quality = crf ?? format.defaultCRF
        switch format {
        case .mp4:
            codecOptions += ["preset=\(preset)", "crf=\(quality!)"]
            muxerOptions += ["movflags=+faststart+use_metadata_tags"]
        case .webm:
            let cpuUsed = ["ultrafast": 5, "superfast": 5, "veryfast": 5, "faster": 5, "fast": 4, "medium": 4,
                           "slow": 2, "slower": 1, "veryslow": 0, "placebo": 0][preset]!
            codecOptions += ["crf=\(quality!)", "b=0", "deadline=good", "cpu-used=\(cpuUsed)", "row-mt=1"]
        case .gif:
            muxerOptions += ["loop=0"]
        }
        let keys = metadata.keys.sorted()
        let values = keys.map { metadata[$0]! }
        var err = [CChar](repeating: 0, count: 512)
        let strings = [format.container, format.encoder]
        let names = CStringArray(strings), codecList = CStringArray(codecOptions), muxerList = CStringArray(muxerOptions)
        let keyList = CStringArray(keys), valueList = CStringArray(values)
        let opened: OpaquePointer? = withExtendedLifetime((names, codecList, muxerList, keyList, valueList)) {
            var settings = TVWriterSettings(
                container: names.base[0], codec: names.base[1],
                width: Int32(encodedWidth), height: Int32(encodedHeight), fps: Int32(fps),
                palettised: format == .gif ? 1 : 0,
                codec_options: UnsafePointer(codecList.base), muxer_options: UnsafePointer(muxerList.base),
                metadata_keys: UnsafePointer(keyList.base), metadata_values: UnsafePointer(valueList.base),
                metadata_count: Int32(keys.count))
            return tv_writer_open(file.temporaryURL.path, &settings, &err, err.count)
        }
        guard let opened else {
            file.discard()
            throw MediaError.videoWrite(path: url.path, message: String(cString: err))
        }
        writer = opened
    }

    deinit {
        tv_writer_free(writer)
        file?.discard()
    }

    /// Encodes `frame`, which must be `width` x `height`.
    public func append(_ frame: RGBImage) throws {
        guard let writer else { throw MediaError.writerClosed(path: url.path) }
        guard frame.width == width, frame.height == height else {
            throw MediaError.frameSizeMismatch(path: "\(frameCount) of \(url.path)", expected: "\(width)x\(height)",
                                               found: "\(frame.width)x\(frame.height)")
        }
        if format == .gif {
            gifFrames.append(frame)
            frameCount += 1
            return
        }
        let image = frame.padded(toWidth: encodedWidth, height: encodedHeight)
        var err = [CChar](repeating: 0, count: 512)
        let status = image.pixels.withUnsafeBufferPointer {
            tv_writer_write_rgb(writer, $0.baseAddress, Int32(encodedWidth * 3), &err, err.count)
        }
        guard status == 0 else { throw fail(String(cString: err)) }
        frameCount += 1
    }

    /// Flushes the encoder, completes the file and moves it to `url`.
    public func finish() throws {
        guard let writer, let file else { throw MediaError.writerClosed(path: url.path) }
        guard frameCount > 0 else { throw fail("no frames were appended") }
        var err = [CChar](repeating: 0, count: 512)
        if format == .gif {
            let palette = GIFPalette(frames: gifFrames)
            let argb = palette.argb
            try palette.quantize(gifFrames) { _, indices in
                let status = indices.withUnsafeBufferPointer { i in
                    argb.withUnsafeBufferPointer { p in
                        tv_writer_write_indexed(writer, i.baseAddress, Int32(width), p.baseAddress, &err, err.count)
                    }
                }
                guard status == 0 else { throw fail(String(cString: err)) }
            }
            gifFrames = []
        }
        guard tv_writer_finish(writer, &err, err.count) == 0 else { throw fail(String(cString: err)) }
        tv_writer_free(writer)
        self.writer = nil
        if format == .gif, metadata["description"] != nil || metadata["comment"] != nil {
            // The description first, the parameters last: readers that keep one comment keep those.
            let comments = [metadata["description"].map { "\($0) (ai_generated=\(metadata["ai_generated"] ?? "unknown"))" },
                            metadata["comment"]].compactMap { $0 }
            guard let data = try? Data(contentsOf: file.temporaryURL),
                  let tagged = GIFComments.inserting(comments, into: data),
                  (try? tagged.write(to: file.temporaryURL)) != nil
            else { throw fail("cannot add the comment blocks to the GIF") }
        }
        self.file = nil
        try file.commit(overwrite: overwrite)
    }

    /// Closes and removes the partial output; returns the error to throw.
    private func fail(_ message: String) -> MediaError {
        tv_writer_free(writer)
        writer = nil
        file?.discard()
        file = nil
        gifFrames = []
        return .videoWrite(path: url.path, message: message)
    }
}
