// `tessera view`: printed frames (size, escape codes) and its errors.

import Foundation
import TesseraMedia
import XCTest

final class ViewCommandTests: XCTestCase {
    func testFramePrintsHalfBlockLinesOfTheRequestedWidth() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let frames = dir.appendingPathComponent("frames")
        try CLITestSupport.writeFrames(frames, count: 2)  // 48x32
        let result = try CLITestSupport.tessera(["view", frames.path, "--frame", "1", "--width", "24"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, 8, "48x32 scaled to 24 columns is 24x16 pixels: 8 lines of two pixel rows")
        for line in lines {
            XCTAssertEqual(line.filter { $0 == "\u{2580}" }.count, 24)
            XCTAssertTrue(line.hasPrefix("\u{1B}[38;2;"), String(line))
            XCTAssertTrue(line.hasSuffix("\u{1B}[0m"), String(line))
        }
        let all = try CLITestSupport.tessera(["view", frames.path, "--width", "12"])
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertTrue(all.stdout.contains("frame 0\n") && all.stdout.contains("frame 1\n"))
        XCTAssertEqual(all.stdout.split(separator: "\n").count, 2 + 2 * 4)
    }

    func testBadFrameAndPlayWithoutTerminalAreClearErrors() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        try CLITestSupport.writeFrames(dir, count: 2)
        let outside = try CLITestSupport.tessera(["view", dir.path, "--frame", "5"])
        XCTAssertNotEqual(outside.status, 0)
        XCTAssertTrue(outside.stderr.contains("frame 5 is outside the clip, which has 2 frames"), outside.stderr)
        let piped = try CLITestSupport.tessera(["view", dir.path, "--play"])
        XCTAssertNotEqual(piped.status, 0)
        XCTAssertTrue(piped.stderr.contains("needs a terminal"), piped.stderr)
        let both = try CLITestSupport.tessera(["view", dir.path, "--play", "--frame", "0"])
        XCTAssertNotEqual(both.status, 0)
    }
}
