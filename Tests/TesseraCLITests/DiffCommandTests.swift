// `tessera diff` as a user runs it: table, JSON, the --min-psnr gate and mismatch errors.

import Foundation
import TesseraMedia
import XCTest

final class DiffCommandTests: XCTestCase {
    func testIdenticalFoldersPassAndPrintInfinity() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let a = dir.appendingPathComponent("a")
        try CLITestSupport.writeFrames(a, count: 3)
        let result = try CLITestSupport.tessera(["diff", a.path, a.path, "--min-psnr", "60"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("inf"), result.stdout)
        XCTAssertTrue(result.stdout.contains("(identical)"), result.stdout)
    }

    /// Frame 1 of B is darkened by 8 in every sample: its PSNR is 10·log10(255²/64) = 30.07 dB.
    func testMinPSNRGateFailsWithOneLineMessage() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        try CLITestSupport.writeFrames(a, count: 3)
        try CLITestSupport.writeFrames(b, count: 3)
        let frame1 = b.appendingPathComponent(FrameSequence.fileName(forIndex: 1))
        var image = try PNGFile.read(frame1).image
        var squared = 0.0
        for i in image.pixels.indices {
            let v = Int(image.pixels[i]), n = v >= 8 ? v - 8 : v + 8
            squared += Double((n - v) * (n - v))
            image.pixels[i] = UInt8(n)
        }
        try PNGFile.write(image, to: frame1, overwrite: true)
        let expected = 10 * log10(255.0 * 255.0 / (squared / Double(image.pixels.count)))
        XCTAssertEqual(expected, 30.07, accuracy: 0.01)

        let json = try CLITestSupport.tessera(["diff", a.path, b.path, "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let frames = object["frames"] as! [[String: Any]]
        XCTAssertEqual(frames.count, 3)
        XCTAssertTrue(frames[0]["psnr"] is NSNull)
        XCTAssertEqual(frames[1]["psnr"] as? Double ?? 0, expected, accuracy: 1e-9)
        let summary = object["summary"] as! [String: Any]
        XCTAssertEqual(summary["psnr_min"] as? Double ?? 0, expected, accuracy: 1e-9)
        XCTAssertLessThan(summary["ssim_min"] as? Double ?? 1, 1)

        let gated = try CLITestSupport.tessera(["diff", a.path, b.path, "--min-psnr", "35"])
        XCTAssertEqual(gated.status, 1)
        let message = gated.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(message.split(separator: "\n").count, 1, message)
        XCTAssertTrue(message.contains("30.07 dB at frame 1"), message)
        XCTAssertTrue(message.contains("--min-psnr 35"), message)
        let passed = try CLITestSupport.tessera(["diff", a.path, b.path, "--min-psnr", "30"])
        XCTAssertEqual(passed.status, 0, passed.stderr)
    }

    func testMismatchedClipsAreClearErrors() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b"), c = dir.appendingPathComponent("c")
        try CLITestSupport.writeFrames(a, count: 3)
        try CLITestSupport.writeFrames(b, count: 2)
        try CLITestSupport.writeFrames(c, count: 3, width: 32, height: 32)
        let count = try CLITestSupport.tessera(["diff", a.path, b.path])
        XCTAssertNotEqual(count.status, 0)
        XCTAssertTrue(count.stderr.contains("3 frames vs 2 frames"), count.stderr)
        let size = try CLITestSupport.tessera(["diff", a.path, c.path])
        XCTAssertNotEqual(size.status, 0)
        XCTAssertTrue(size.stderr.contains("48x32 vs 32x32"), size.stderr)
        let missing = try CLITestSupport.tessera(["diff", a.path, dir.appendingPathComponent("nope").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nope"), missing.stderr)
    }
}
