// Clips written by VideoWriter, read back by a real client (ffprobe, ffmpeg) and by
// VideoReader.

import Foundation
import TesseraMedia
import XCTest

final class VideoRoundTripTests: XCTestCase {
    private func write(_ frames: [RGBImage], to url: URL, fps: Int, format: VideoFormat, crf: Int? = nil,
                       metadata: [String: String] = [:]) throws {
        let writer = try VideoWriter(url: url, width: frames[0].width, height: frames[0].height, fps: fps,
                                     format: format, crf: crf, metadata: metadata, preset: "medium")
        for frame in frames { try writer.append(frame) }
        try writer.finish()
    }

    // MARK: - ffprobe reads what we write

    func testFFprobeReadsEachFormat() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let frames = MediaTestSupport.movingGradient(width: 64, height: 48, frames: 12)
        let cases: [(VideoFormat, String, Int, String)] = [(.mp4, "h264", 16, "mov"), (.webm, "vp9", 24, "webm"),
                                                            (.gif, "gif", 10, "gif")]
        for (format, codec, fps, container) in cases {
            let url = dir.appendingPathComponent("clip.\(format.rawValue)")
            try write(frames, to: url, fps: fps, format: format)
            let stream = try MediaTestSupport.probe(url)
            XCTAssertEqual(stream["codec_name"] as? String, codec, "\(format)")
            XCTAssertEqual(stream["width"] as? Int, 64, "\(format)")
            XCTAssertEqual(stream["height"] as? Int, 48, "\(format)")
            XCTAssertEqual(stream["nb_read_frames"] as? String, "12", "\(format)")
            XCTAssertEqual(stream["r_frame_rate"] as? String, "\(fps)/1", "\(format)")
            XCTAssertEqual(stream["avg_frame_rate"] as? String, "\(fps)/1", "\(format)")
            XCTAssertTrue((stream["format_name"] as? String ?? "").contains(container), "\(format)")
            if format != .gif { XCTAssertEqual(stream["pix_fmt"] as? String, "yuv420p", "\(format)") }
            // ffmpeg decodes the whole file without complaint.
            let decoded = try MediaTestSupport.run("ffmpeg", ["-v", "error", "-i", url.path, "-f", "null", "-"])
            XCTAssertEqual(decoded.status, 0, "\(format): \(decoded.stderr)")
            XCTAssertEqual(decoded.stderr, "", "\(format)")
            // GIF keeps time in centiseconds: 10 fps is exact there too (10 cs per frame).
            if format == .gif {
                let durations = try MediaTestSupport.run("ffprobe", ["-v", "error", "-show_entries", "packet=duration",
                                                                     "-of", "csv=p=0", url.path])
                XCTAssertEqual(String(decoding: durations.stdout, as: UTF8.self)
                    .split(whereSeparator: \.isNewline).map(String.init), Array(repeating: "10", count: 12))
            }
            // And our reader agrees.
            let (info, back) = try VideoReader.read(url)
            XCTAssertEqual(info.frameCount, 12)
            XCTAssertEqual(back.count, 12)
            XCTAssertEqual(info.fps, Double(fps), accuracy: 1e-9)
            XCTAssertEqual(info.codec, codec)
        }
        XCTAssertEqual(MediaTestSupport.contents(dir), ["clip.gif", "clip.mp4", "clip.webm"], "no temporary files left")
    }

    func testMP4IsFastStart() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("clip.mp4")
        try write(MediaTestSupport.movingGradient(width: 32, height: 32, frames: 4), to: url, fps: 16, format: .mp4)
        let bytes = try Data(contentsOf: url)
        let moov = bytes.range(of: Data("moov".utf8))!.lowerBound, mdat = bytes.range(of: Data("mdat".utf8))!.lowerBound
        XCTAssertLessThan(moov, mdat, "+faststart puts the moov atom before the media data")
    }

    // MARK: - Quality

    func testH264AtCRF18KeepsMovingGradientAbove35dB() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("gradient.mp4")
        let frames = MediaTestSupport.movingGradient(width: 128, height: 128, frames: 17)
        try write(frames, to: url, fps: 16, format: .mp4, crf: 18)
        let ours = try VideoReader.read(url).frames
        let theirs = try MediaTestSupport.ffmpegDecode(url, width: 128, height: 128)
        XCTAssertEqual(theirs.count, 17)
        let psnrOurs = MediaTestSupport.psnr(frames, ours), psnrFFmpeg = MediaTestSupport.psnr(frames, theirs)
        XCTAssertGreaterThanOrEqual(psnrOurs, 35, "PSNR decoded by VideoReader")
        XCTAssertGreaterThanOrEqual(psnrFFmpeg, 35, "PSNR decoded by ffmpeg")
    }

    func testVP9KeepsMovingGradientAbove30dB() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("gradient.webm")
        let frames = MediaTestSupport.movingGradient(width: 64, height: 64, frames: 9)
        try write(frames, to: url, fps: 16, format: .webm, crf: 20)
        XCTAssertGreaterThanOrEqual(MediaTestSupport.psnr(frames, try VideoReader.read(url).frames), 30)
    }

    func testGIFWithFewColoursIsLossless() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("squares.gif")
        let frames = MediaTestSupport.movingSquares(width: 40, height: 30, frames: 8)
        try write(frames, to: url, fps: 10, format: .gif)
        XCTAssertEqual(try MediaTestSupport.ffmpegDecode(url, width: 40, height: 30), frames)
        XCTAssertEqual(try VideoReader.read(url).frames, frames)
    }

    func testGIFPaletteOfGradientClipIsClose() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("gradient.gif")
        let frames = MediaTestSupport.movingGradient(width: 64, height: 64, frames: 8)
        try write(frames, to: url, fps: 10, format: .gif)
        // One palette for the whole clip, median cut + error diffusion: ~30 dB on smooth colour.
        XCTAssertGreaterThanOrEqual(MediaTestSupport.psnr(frames, try VideoReader.read(url).frames), 28)
    }

    // MARK: - Sizes and rates

    func testOddSizeMP4IsPaddedToEven() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("odd.mp4")
        let frames = MediaTestSupport.movingGradient(width: 127, height: 63, frames: 5)
        let writer = try VideoWriter(url: url, width: 127, height: 63, fps: 16, format: .mp4)
        XCTAssertEqual(writer.encodedWidth, 128)
        XCTAssertEqual(writer.encodedHeight, 64)
        for frame in frames { try writer.append(frame) }
        try writer.finish()
        let stream = try MediaTestSupport.probe(url)
        XCTAssertEqual(stream["width"] as? Int, 128)
        XCTAssertEqual(stream["height"] as? Int, 64)
        XCTAssertEqual(stream["nb_read_frames"] as? String, "5")
        // The original picture is the top-left 127x63 of the decoded frame.
        let back = try VideoReader.read(url).frames.map { $0.cropped(x: 0, y: 0, width: 127, height: 63) }
        XCTAssertGreaterThanOrEqual(MediaTestSupport.psnr(frames, back), 35)
    }

    func testOddSizeWebMAndGIFKeepTheirSize() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        for format in [VideoFormat.webm, .gif] {
            let url = dir.appendingPathComponent("odd.\(format.rawValue)")
            try write(MediaTestSupport.movingGradient(width: 35, height: 21, frames: 3), to: url, fps: 10, format: format)
            let stream = try MediaTestSupport.probe(url)
            XCTAssertEqual(stream["width"] as? Int, 35, "\(format)")
            XCTAssertEqual(stream["height"] as? Int, 21, "\(format)")
            XCTAssertEqual(stream["nb_read_frames"] as? String, "3", "\(format)")
        }
    }

    func testFrameRateIsExactAndDurationMatches() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("rate.mp4")
        try write(MediaTestSupport.movingGradient(width: 32, height: 32, frames: 30), to: url, fps: 24, format: .mp4)
        let info = try VideoReader.read(url).info
        XCTAssertEqual(info.frameRateNumerator, 24)
        XCTAssertEqual(info.frameRateDenominator, 1)
        XCTAssertEqual(try XCTUnwrap(info.duration), 30.0 / 24.0, accuracy: 1e-3)
        let timestamps = try MediaTestSupport.run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries",
                                                              "frame=pts_time", "-of", "csv=p=0", url.path])
        let times = String(decoding: timestamps.stdout, as: UTF8.self)
            .split(whereSeparator: { $0 == "\n" || $0 == "," }).compactMap { Double($0) }
        XCTAssertEqual(times.count, 30)
        for (i, t) in times.enumerated() { XCTAssertEqual(t, Double(i) / 24, accuracy: 1e-6, "frame \(i)") }
    }

    // MARK: - Metadata

    func testMetadataTagsReachFFprobeAndReader() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let parameters = GenerationParameters(
            prompt: "a red ball, bouncing", negativePrompt: "blurry", steps: 30, sampler: "unipc", guidance: 5,
            shift: 3, seed: 42, width: 32, height: 32, frames: 4, fps: 16, modelName: "tessera-shapes",
            modelHash: "0123456789abcdef")
        let tags = parameters.videoTags(software: "tessera test")
        for format in [VideoFormat.mp4, .webm] {
            let url = dir.appendingPathComponent("tagged.\(format.rawValue)")
            try write(MediaTestSupport.movingGradient(width: 32, height: 32, frames: 4), to: url, fps: 16,
                      format: format, metadata: tags)
            let probed = try MediaTestSupport.probe(url)["tags"] as? [String: String] ?? [:]
            let lowered = Dictionary(uniqueKeysWithValues: probed.map { ($0.key.lowercased(), $0.value) })
            XCTAssertEqual(lowered["comment"], parameters.a1111Text, "\(format)")
            XCTAssertEqual(lowered["ai_generated"], "true", "\(format)")
            XCTAssertEqual(lowered["description"], GenerationParameters.aiGeneratedDescription, "\(format)")
            let info = try VideoReader.read(url).info
            XCTAssertEqual(info.generationParameters?.prompt, parameters.prompt, "\(format)")
            XCTAssertEqual(info.generationParameters?.seed, 42, "\(format)")
            XCTAssertEqual(info.tags["ai_generated"], "true", "\(format)")
        }
        // GIF: comment blocks; ffprobe and our reader see the parameters as `comment`.
        let gif = dir.appendingPathComponent("tagged.gif")
        try write(MediaTestSupport.movingSquares(width: 32, height: 32, frames: 3), to: gif, fps: 10, format: .gif,
                  metadata: tags)
        let probed = try MediaTestSupport.probe(gif)["tags"] as? [String: String] ?? [:]
        XCTAssertEqual(probed["comment"], parameters.a1111Text)
        XCTAssertEqual(try VideoReader.read(gif).info.generationParameters?.seed, 42)
        XCTAssertTrue(try Data(contentsOf: gif).range(of: Data("AI-generated video".utf8)) != nil)
        let decoded = try MediaTestSupport.run("ffmpeg", ["-v", "error", "-i", gif.path, "-f", "null", "-"])
        XCTAssertEqual(decoded.stderr, "")
    }

    // MARK: - Decoding what ffmpeg made

    func testReaderDecodesClipMadeByFFmpeg() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("testsrc.mkv")
        let made = try MediaTestSupport.run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=12",
                                                       "-frames:v", "10", "-c:v", "mpeg4", "-q:v", "3",
                                                       "-metadata", "title=made by ffmpeg", url.path])
        XCTAssertEqual(made.status, 0, made.stderr)
        let (info, frames) = try VideoReader.read(url)
        XCTAssertEqual(info.codec, "mpeg4")
        XCTAssertEqual(info.width, 96)
        XCTAssertEqual(info.height, 64)
        XCTAssertEqual(info.fps, 12, accuracy: 1e-9)
        XCTAssertEqual(info.frameCount, 10)
        XCTAssertEqual(info.tags["title"], "made by ffmpeg")
        XCTAssertTrue(info.container.contains("matroska"))
        // The very pixels of ffmpeg's own decode to RGB: same matrix, range and scaler flags.
        let reference = try MediaTestSupport.ffmpegDecode(url, width: 96, height: 64)
        XCTAssertEqual(reference.count, 10)
        XCTAssertEqual(MediaTestSupport.psnr(frames, reference), .infinity)
        // A range keeps only those frames, and they are the same frames.
        let (_, middle) = try VideoReader.read(url, range: 3..<6)
        XCTAssertEqual(middle, Array(frames[3..<6]))
    }

    func testFileNamesWithColonsAndSpacesAreFiles() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("take 2: final%d.mp4")
        try write(MediaTestSupport.movingGradient(width: 16, height: 16, frames: 3), to: url, fps: 8, format: .mp4)
        XCTAssertEqual(MediaTestSupport.contents(dir), ["take 2: final%d.mp4"])
        XCTAssertEqual(try VideoReader.read(url).frames.count, 3)
    }

    func testProbeReadsHeadersWithoutDecoding() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("clip.mp4")
        try write(MediaTestSupport.movingGradient(width: 32, height: 16, frames: 6), to: url, fps: 8, format: .mp4)
        let info = try VideoReader.probe(url)
        XCTAssertEqual(info.width, 32)
        XCTAssertEqual(info.height, 16)
        XCTAssertEqual(info.frameCount, 6, "MP4 headers store the frame count")
    }
}
