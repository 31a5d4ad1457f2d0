// Shared helpers for the media tests: synthetic clips, PSNR, running ffprobe/ffmpeg.

import Foundation
import TesseraMedia
import TesseraTestSupport
import XCTest

enum MediaTestSupport {
    /// A smooth moving gradient: hues drift across the frame over time, so every frame differs
    /// and there are no hard edges (what a codec at high quality should reproduce closely).
    static func movingGradient(width: Int, height: Int, frames: Int) -> [RGBImage] {
        (0..<frames).map { t in
            var pixels = [UInt8](repeating: 0, count: width * height * 3)
            let phase = Double(t) / Double(max(frames, 1))
            for y in 0..<height {
                for x in 0..<width {
                    let u = Double(x) / Double(width), v = Double(y) / Double(height)
                    let i = (y * width + x) * 3
                    pixels[i] = UInt8(128 + 100 * sin(2 * .pi * (u + phase)))
                    pixels[i + 1] = UInt8(128 + 100 * cos(2 * .pi * (v - phase)))
                    pixels[i + 2] = UInt8(30 + 190 * (u + v) / 2)
                }
            }
            return RGBImage(width: width, height: height, pixels: pixels)
        }
    }

    /// Flat coloured squares moving over a flat background: at most 4 colours in the clip.
    static func movingSquares(width: Int, height: Int, frames: Int) -> [RGBImage] {
        (0..<frames).map { t in
            var image = RGBImage(width: width, height: height, red: 20, green: 30, blue: 200)
            for y in 0..<height {
                for x in 0..<width {
                    if (x - t * 2) >= 4 && (x - t * 2) < 16 && y >= 4 && y < 16 { image[x, y] = (230, 40, 40) }
                    if x >= 20 && x < 28 && (y - t) >= 2 && (y - t) < 10 { image[x, y] = (250, 220, 30) }
                }
            }
            return image
        }
    }

    /// Peak signal-to-noise ratio in dB over all samples of two equally sized clips.
    static func psnr(_ a: [RGBImage], _ b: [RGBImage]) -> Double {
        precondition(a.count == b.count)
        var squared = 0.0, count = 0
        for (x, y) in zip(a, b) {
            precondition(x.pixels.count == y.pixels.count)
            for i in x.pixels.indices {
                let d = Double(x.pixels[i]) - Double(y.pixels[i])
                squared += d * d
            }
            count += x.pixels.count
        }
        let mse = squared / Double(count)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    /// A fresh empty folder, removed when the test ends.
    static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-media-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Runs a tool found on PATH (ffprobe, ffmpeg); returns exit status, stdout and stderr.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
        try ChildProcess.run(tool, arguments)
    }

    /// ffprobe's view of the first video stream, frames counted by decoding.
    static func probe(_ url: URL) throws -> [String: Any] {
        let result = try run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-count_frames",
                                         "-show_entries", "stream=codec_name,width,height,r_frame_rate,avg_frame_rate,nb_read_frames,pix_fmt:format=format_name:format_tags",
                                         "-of", "json", url.path])
        guard result.status == 0,
              let json = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any],
              let streams = json["streams"] as? [[String: Any]], var stream = streams.first
        else { throw NSError(domain: "ffprobe", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.stderr]) }
        let format = json["format"] as? [String: Any] ?? [:]
        stream["format_name"] = format["format_name"]
        stream["tags"] = format["tags"] ?? [String: String]()
        return stream
    }

    /// Decodes `url` with the ffmpeg command-line tool into RGB24 frames of `width` x `height`.
    static func ffmpegDecode(_ url: URL, width: Int, height: Int) throws -> [RGBImage] {
        let result = try run("ffmpeg", ["-v", "error", "-i", url.path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        guard result.status == 0 else { throw NSError(domain: "ffmpeg", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.stderr]) }
        let frameBytes = width * height * 3
        let bytes = [UInt8](result.stdout)
        return stride(from: 0, to: bytes.count - frameBytes + 1, by: frameBytes).map {
            RGBImage(width: width, height: height, pixels: Array(bytes[$0..<$0 + frameBytes]))
        }
    }

    /// The names in `folder` (hidden temporary files included).
    static func contents(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }
}
