// PNG round trips through the libpng shim, text chunks, and libpng's errors as values.

import Foundation
import TesseraMedia
import XCTest

final class PNGFileTests: XCTestCase {
    func testRoundTripKeepsPixelsAndText() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("frame.png")
        let image = MediaTestSupport.movingGradient(width: 37, height: 21, frames: 1)[0]
        let text = [("parameters", "a red ball\nSteps: 30, Sampler: euler"), ("Comment", "crème brûlée ✓")]
        try PNGFile.write(image, to: url, text: text)
        let (back, chunks) = try PNGFile.read(url)
        XCTAssertEqual(back, image)
        XCTAssertEqual(chunks["parameters"], text[0].1)
        XCTAssertEqual(chunks["Comment"], text[1].1, "non-ASCII values travel as UTF-8 iTXt")
        XCTAssertEqual(MediaTestSupport.contents(dir), ["frame.png"], "no temporary file left")
    }

    func testRGBARoundTripAndAlphaForRGBFiles() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("rgba.png")
        let rgba = (0..<(7 * 5 * 4)).map { UInt8(($0 * 37) % 256) }
        try PNGFile.write(rgba: rgba, width: 7, height: 5, to: url, text: [("Title", "alpha")])
        let back = try PNGFile.readRGBA(url)
        XCTAssertEqual(back.width, 7)
        XCTAssertEqual(back.height, 5)
        XCTAssertEqual(back.rgba, rgba)
        XCTAssertEqual(back.text["Title"], "alpha")
        let probe = try MediaTestSupport.run("ffprobe", ["-v", "error", "-show_entries", "stream=pix_fmt", "-of", "csv=p=0", url.path])
        XCTAssertEqual(String(decoding: probe.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), "rgba")
        // RGB read drops alpha; an RGB file read as RGBA gets opaque alpha.
        XCTAssertEqual(try PNGFile.read(url).image[1, 0].0, rgba[4])
        let rgbURL = dir.appendingPathComponent("rgb.png")
        try PNGFile.write(RGBImage(width: 2, height: 1, red: 9, green: 8, blue: 7), to: rgbURL)
        XCTAssertEqual(try PNGFile.readRGBA(rgbURL).rgba, [9, 8, 7, 255, 9, 8, 7, 255])
    }

    func testFFprobeSeesParametersChunk() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("frame.png")
        let parameters = GenerationParameters(prompt: "a blue square", steps: 20, sampler: "euler", guidance: 4.5,
                                              shift: 3, seed: 7, width: 16, height: 16, frames: 1, fps: 16,
                                              modelName: "m", modelHash: "")
        try PNGFile.write(RGBImage(width: 16, height: 16, red: 1, green: 2, blue: 3), to: url,
                          text: parameters.pngText(software: "tessera test"))
        let result = try MediaTestSupport.run("ffprobe", ["-v", "error", "-show_entries", "frame_tags", "-of", "json", url.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let frames = try XCTUnwrap(json["frames"] as? [[String: Any]])
        let tags = try XCTUnwrap(frames.first?["tags"] as? [String: String])
        XCTAssertEqual(tags["parameters"], parameters.a1111Text)
        XCTAssertEqual(tags["ai_generated"], "true")
    }

    func testReadsPNGsOfOtherLayoutsAsRGB() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        // ffmpeg converts one known RGB picture into grey, 16-bit, RGBA and palette PNGs; we
        // read each back as the same 8-bit RGB (grey: the picture is grey already).
        let raw = dir.appendingPathComponent("in.rgb")
        var image = RGBImage(width: 5, height: 3)
        for y in 0..<3 { for x in 0..<5 { let v = UInt8(40 * x + 10 * y); image[x, y] = (v, v, v) } }
        try Data(image.pixels).write(to: raw)
        for pixelFormat in ["gray", "gray16be", "rgb48be", "rgba", "ya8", "pal8"] {
            let url = dir.appendingPathComponent("\(pixelFormat).png")
            // pal8 through palettegen/paletteuse, exact for a picture of 15 colours.
            let filter = pixelFormat == "pal8"
                ? ["-vf", "split[a][b];[a]palettegen=reserve_transparent=0[p];[b][p]paletteuse=dither=none"]
                : ["-pix_fmt", pixelFormat, "-sws_flags", "neighbor+accurate_rnd+full_chroma_int"]
            let made = try MediaTestSupport.run("ffmpeg", ["-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
                                                           "-s", "5x3", "-i", raw.path] + filter + [url.path])
            XCTAssertEqual(made.status, 0, made.stderr)
            let back = try PNGFile.read(url).image
            XCTAssertEqual(back.width, 5, pixelFormat)
            XCTAssertEqual(back.height, 3, pixelFormat)
            // 16-bit samples go through ffmpeg's 8 → 16-bit conversion, then libpng's rounding: ±1.
            let tolerance = pixelFormat.contains("16") || pixelFormat.contains("48") ? 1 : 0
            let worst = zip(back.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, tolerance, pixelFormat)
        }
    }

    func testTruncatedPNGIsAnErrorWithLibpngsMessage() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("frame.png")
        try PNGFile.write(MediaTestSupport.movingGradient(width: 64, height: 64, frames: 1)[0], to: url)
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count / 2).write(to: url)
        XCTAssertThrowsError(try PNGFile.read(url)) { error in
            guard case let MediaError.pngRead(path, message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, url.path)
            XCTAssertFalse(message.isEmpty)
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }

    func testCorruptPNGIsAnError() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("frame.png")
        try PNGFile.write(RGBImage(width: 8, height: 8, red: 9), to: url)
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[20] ^= 0xFF  // inside IHDR: its CRC no longer matches
        try Data(bytes).write(to: url)
        XCTAssertThrowsError(try PNGFile.read(url)) { error in
            guard case MediaError.pngRead = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("CRC") || "\(error)".contains("IHDR"), "\(error)")
        }
        try Data("not a png at all".utf8).write(to: url)
        XCTAssertThrowsError(try PNGFile.read(url)) { error in
            XCTAssertTrue("\(error)".contains("not a PNG"), "\(error)")
        }
    }

    func testInvalidTextKeyIsRefusedAndNothingWritten() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("frame.png")
        XCTAssertThrowsError(try PNGFile.write(RGBImage(width: 2, height: 2), to: url, text: [(" bad key", "x")])) { error in
            XCTAssertEqual(error as? MediaError, .invalidTextChunk(key: " bad key"))
        }
        XCTAssertThrowsError(try PNGFile.write(RGBImage(width: 2, height: 2), to: url,
                                               text: [(String(repeating: "k", count: 80), "x")]))
        XCTAssertEqual(MediaTestSupport.contents(dir), [])
    }

    func testUnwritableFolderIsAnErrorAndOverwriteIsOptIn() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let missing = dir.appendingPathComponent("no/such/folder/frame.png")
        XCTAssertThrowsError(try PNGFile.write(RGBImage(width: 2, height: 2), to: missing)) { error in
            guard case MediaError.notWritable = error else { return XCTFail("\(error)") }
        }
        let url = dir.appendingPathComponent("frame.png")
        try PNGFile.write(RGBImage(width: 2, height: 2, red: 1), to: url)
        XCTAssertThrowsError(try PNGFile.write(RGBImage(width: 2, height: 2, red: 2), to: url, overwrite: false)) { error in
            XCTAssertEqual(error as? MediaError, .outputExists(path: url.path))
        }
        XCTAssertEqual(try PNGFile.read(url).image[0, 0].0, 1, "the existing file is untouched")
        XCTAssertEqual(MediaTestSupport.contents(dir), ["frame.png"])
    }
}
