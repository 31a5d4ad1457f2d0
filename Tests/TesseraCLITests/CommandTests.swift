// `tessera encode`, `frames` and `inspect` end to end through the built binary, checked with
// ffprobe and by reading their outputs back.

import Foundation
import TesseraMedia
import XCTest

final class CommandTests: XCTestCase {
    func testEveryCommandsHelpHasAnExample() throws {
        for command in ["encode", "frames", "inspect"] {
            let result = try CLITestSupport.tessera([command, "--help"])
            XCTAssertEqual(result.status, 0, command)
            XCTAssertTrue(result.stdout.contains("Example") && result.stdout.contains("tessera \(command) "),
                          "\(command) --help shows an example:\n\(result.stdout)")
        }
    }

    func testEncodeThenFramesThenInspect() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let frames = dir.appendingPathComponent("frames")
        try CLITestSupport.writeFrames(frames, count: 10)
        let clip = dir.appendingPathComponent("clip.mp4")

        let encoded = try CLITestSupport.tessera(["encode", frames.path, "-o", clip.path, "--fps", "12", "--crf", "20"])
        XCTAssertEqual(encoded.status, 0, encoded.stderr)
        XCTAssertEqual(encoded.stderr, "", "FFmpeg stays quiet unless --verbose")
        let probe = try CLITestSupport.run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-count_frames",
                                                       "-show_entries", "stream=codec_name,width,height,r_frame_rate,nb_read_frames",
                                                       "-of", "csv=p=0", clip.path])
        XCTAssertEqual(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "h264,48,32,12/1,10")

        let out = dir.appendingPathComponent("decoded")
        let extracted = try CLITestSupport.tessera(["frames", clip.path, "-o", out.path, "--range", "2:6"])
        XCTAssertEqual(extracted.status, 0, extracted.stderr)
        XCTAssertEqual(CLITestSupport.contents(out), ["00003.png", "00004.png", "00005.png", "00006.png"])
        let original = try PNGFile.read(frames.appendingPathComponent("00004.png")).image
        let decoded = try PNGFile.read(out.appendingPathComponent("00004.png")).image
        XCTAssertEqual(decoded.width, 48)
        let meanError = zip(original.pixels, decoded.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +) / original.pixels.count
        XCTAssertLessThan(meanError, 8, "frame 3 decodes close to the PNG it was made from")

        let sheet = dir.appendingPathComponent("sheet.png")
        let inspected = try CLITestSupport.tessera(["inspect", clip.path, "--json", "--contact-sheet", sheet.path,
                                                    "--columns", "5"])
        XCTAssertEqual(inspected.status, 0, inspected.stderr)
        let report = try JSONDecoder().decode(ClipInspection.self, from: Data(inspected.stdout.utf8))
        let raw = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any])
        let rawInfo = try XCTUnwrap(raw["info"] as? [String: Any])
        XCTAssertEqual(rawInfo["fps"] as? Double, 12)
        XCTAssertEqual(rawInfo["frame_count"] as? Int, 10)
        XCTAssertEqual((raw["frames"] as? [[String: Any]])?.last?.keys.sorted(),
                       ["index", "luma", "mad_prev", "mean_b", "mean_g", "mean_r"])
        XCTAssertEqual(report.kind, "video")
        XCTAssertEqual(report.info.codec, "h264")
        XCTAssertEqual(report.info.frameCount, 10)
        XCTAssertEqual(report.info.fps, 12)
        XCTAssertEqual(report.frames.count, 10)
        XCTAssertNil(report.frames[0].meanAbsoluteDifference)
        XCTAssertGreaterThan(try XCTUnwrap(report.frames[1].meanAbsoluteDifference), 1, "the gradient moves")
        let sheetImage = try PNGFile.read(sheet).image
        XCTAssertEqual(sheetImage.width, 5 * 48 + 6 * 2)
        XCTAssertEqual(sheetImage.height, 2 * 32 + 3 * 2)

        // A `generate`-style output folder (clip + frames/) is inspected through its clip.
        let outputFolder = dir.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: outputFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: clip, to: outputFolder.appendingPathComponent("clip.mp4"))
        try FileManager.default.copyItem(at: frames, to: outputFolder.appendingPathComponent("frames"))
        let viaFolder = try CLITestSupport.tessera(["inspect", outputFolder.path, "--json"])
        XCTAssertEqual(viaFolder.status, 0, viaFolder.stderr)
        XCTAssertEqual(try JSONDecoder().decode(ClipInspection.self, from: Data(viaFolder.stdout.utf8)).info.codec, "h264")

        // The same for the frame folder itself, as a table.
        let table = try CLITestSupport.tessera(["inspect", frames.path])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("png sequence"))
        // Frame 9 has one row in the statistics table and one in the clip-metrics table.
        XCTAssertEqual(table.stdout.split(separator: "\n").filter { $0.hasPrefix("     9 ") }.count, 2, table.stdout)
    }

    func testEncodeInfersFormatFromExtensionAndCarriesParameters() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let frames = dir.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        let parameters = GenerationParameters(prompt: "a yellow triangle", steps: 8, sampler: "euler", guidance: 4,
                                              shift: 3, seed: 5, width: 24, height: 16, frames: 3, fps: 10,
                                              modelName: "tiny", modelHash: "abc")
        for t in 0..<3 {
            try PNGFile.write(RGBImage(width: 24, height: 16, red: UInt8(60 * t), green: 90, blue: 30),
                              to: frames.appendingPathComponent("f\(t).png"), text: parameters.pngText(software: "test"))
        }
        for (name, codec) in [("clip.webm", "vp9"), ("clip.gif", "gif")] {
            let clip = dir.appendingPathComponent(name)
            let result = try CLITestSupport.tessera(["encode", frames.path, "-o", clip.path, "--fps", "10"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let info = try VideoReader.read(clip).info
            XCTAssertEqual(info.codec, codec)
            XCTAssertEqual(info.frameCount, 3)
            if codec == "vp9" {
                XCTAssertEqual(info.generationParameters?.prompt, "a yellow triangle")
                XCTAssertEqual(info.tags["ai_generated"], "true")
                // `frames` puts the parameters back into each PNG.
                let out = dir.appendingPathComponent("back")
                XCTAssertEqual(try CLITestSupport.tessera(["frames", clip.path, "-o", out.path]).status, 0)
                XCTAssertEqual(try PNGFile.read(out.appendingPathComponent("00002.png")).text["parameters"],
                               parameters.a1111Text)
                let inspected = try CLITestSupport.tessera(["inspect", clip.path])
                XCTAssertTrue(inspected.stdout.contains("prompt      a yellow triangle"), inspected.stdout)
            }
        }
    }
}
