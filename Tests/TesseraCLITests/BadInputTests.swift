// Each kind of bad input: a one-line error, a non-zero exit, and nothing partial left behind.

import Foundation
import TesseraMedia
import XCTest

final class BadInputTests: XCTestCase {
    /// Runs tessera, expects failure with one `Error:` line mentioning `needle`, and that
    /// `folder`'s contents did not change.
    private func expectFailure(_ arguments: [String], mentioning needle: String, leaving folder: URL,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let before = CLITestSupport.contents(folder)
        let result = try CLITestSupport.tessera(arguments)
        XCTAssertNotEqual(result.status, 0, "exit status", file: file, line: line)
        let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(message.contains("\n"), "one line: \(message)", file: file, line: line)
        XCTAssertTrue(message.hasPrefix("Error: "), message, file: file, line: line)
        XCTAssertTrue(message.contains(needle), "'\(message)' mentions '\(needle)'", file: file, line: line)
        XCTAssertEqual(CLITestSupport.contents(folder), before, "nothing partial left", file: file, line: line)
    }

    private func makeClip(_ dir: URL, frames: Int = 5) throws -> URL {
        let source = dir.appendingPathComponent("src")
        try CLITestSupport.writeFrames(source, count: frames)
        let clip = dir.appendingPathComponent("clip.mp4")
        XCTAssertEqual(try CLITestSupport.tessera(["encode", source.path, "-o", clip.path]).status, 0)
        return clip
    }

    func testFolderWithNoPNGs() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: empty.appendingPathComponent("notes.txt"))
        try expectFailure(["encode", empty.path, "-o", dir.appendingPathComponent("a.mp4").path],
                          mentioning: "no PNG frames", leaving: dir)
        try expectFailure(["encode", empty.appendingPathComponent("notes.txt").path, "-o",
                           dir.appendingPathComponent("a.mp4").path], mentioning: "is a file, not a folder", leaving: dir)
        try expectFailure(["encode", dir.appendingPathComponent("missing").path, "-o",
                           dir.appendingPathComponent("a.mp4").path], mentioning: "does not exist", leaving: dir)
    }

    func testPNGsOfDifferentSizes() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let frames = dir.appendingPathComponent("frames")
        try CLITestSupport.writeFrames(frames, count: 3)
        try PNGFile.write(RGBImage(width: 20, height: 20), to: frames.appendingPathComponent("00004.png"))
        try expectFailure(["encode", frames.path, "-o", dir.appendingPathComponent("a.mp4").path],
                          mentioning: "00004.png is 20x20, but the sequence is 48x32", leaving: dir)
    }

    func testCorruptAndTruncatedPNG() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let frames = dir.appendingPathComponent("frames")
        try CLITestSupport.writeFrames(frames, count: 3)
        let victim = frames.appendingPathComponent("00002.png")
        let bytes = try Data(contentsOf: victim)
        try bytes.prefix(bytes.count - 40).write(to: victim)
        try expectFailure(["encode", frames.path, "-o", dir.appendingPathComponent("a.gif").path],
                          mentioning: "cannot read PNG \(victim.path)", leaving: dir)
        try Data("garbage".utf8).write(to: victim)
        try expectFailure(["encode", frames.path, "-o", dir.appendingPathComponent("a.gif").path],
                          mentioning: "not a PNG file", leaving: dir)
        try expectFailure(["inspect", frames.path], mentioning: "not a PNG file", leaving: dir)
    }

    func testNonVideoGivenToInspectAndFrames() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let text = dir.appendingPathComponent("notes.mp4")
        try Data("definitely not a video\n".utf8).write(to: text)
        try expectFailure(["inspect", text.path], mentioning: "cannot read video", leaving: dir)
        try expectFailure(["inspect", text.path, "--contact-sheet", dir.appendingPathComponent("s.png").path],
                          mentioning: "cannot read video", leaving: dir)
        try expectFailure(["frames", text.path, "-o", dir.appendingPathComponent("out").path],
                          mentioning: "cannot read video", leaving: dir)
        try expectFailure(["frames", dir.appendingPathComponent("missing.mp4").path, "-o", dir.appendingPathComponent("out").path],
                          mentioning: "does not exist", leaving: dir)
    }

    func testUnwritableOutputPath() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let frames = dir.appendingPathComponent("frames")
        try CLITestSupport.writeFrames(frames, count: 2)
        try expectFailure(["encode", frames.path, "-o", dir.appendingPathComponent("no/such/dir/a.mp4").path],
                          mentioning: "cannot create", leaving: dir)
        let clip = try makeClip(dir)
        try expectFailure(["frames", clip.path, "-o", dir.appendingPathComponent("no/such/dir").path],
                          mentioning: "cannot create", leaving: dir)
        try expectFailure(["inspect", clip.path, "--contact-sheet", dir.appendingPathComponent("no/dir/s.png").path],
                          mentioning: "cannot create", leaving: dir)
    }

    func testUnknownFormat() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let frames = dir.appendingPathComponent("frames")
        try CLITestSupport.writeFrames(frames, count: 2)
        try expectFailure(["encode", frames.path, "-o", dir.appendingPathComponent("a.avi").path],
                          mentioning: "unknown video format '.avi'", leaving: dir)
        try expectFailure(["encode", frames.path, "-o", dir.appendingPathComponent("a.mp4").path, "--format", "mov"],
                          mentioning: "unknown video format 'mov'", leaving: dir)
    }

    func testFrameRateOutOfRange() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let frames = dir.appendingPathComponent("frames")
        try CLITestSupport.writeFrames(frames, count: 2)
        for fps in ["0", "-3", "241"] {
            try expectFailure(["encode", frames.path, "-o", dir.appendingPathComponent("a.mp4").path, "--fps=\(fps)"],
                              mentioning: "frame rate \(fps) is out of range", leaving: dir)
        }
        try expectFailure(["encode", frames.path, "-o", dir.appendingPathComponent("a.mp4").path, "--crf", "70"],
                          mentioning: "CRF 70 is out of range", leaving: dir)
    }

    func testRangeOutsideTheClip() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let clip = try makeClip(dir, frames: 5)
        for range in ["3:9", "5:", "7:8"] {
            try expectFailure(["frames", clip.path, "-o", dir.appendingPathComponent("out").path, "--range", range],
                              mentioning: "outside the clip, which has 5 frames", leaving: dir)
        }
    }

    func testExistingOutputRefusedUnlessOverwrite() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let clip = try makeClip(dir)
        let original = try Data(contentsOf: clip)
        let source = dir.appendingPathComponent("src")
        try expectFailure(["encode", source.path, "-o", clip.path, "--crf", "30"], mentioning: "already exists", leaving: dir)
        XCTAssertEqual(try Data(contentsOf: clip), original)
        XCTAssertEqual(try CLITestSupport.tessera(["encode", source.path, "-o", clip.path, "--crf", "30", "--overwrite"]).status, 0)
        XCTAssertNotEqual(try Data(contentsOf: clip), original)

        let out = dir.appendingPathComponent("out")
        XCTAssertEqual(try CLITestSupport.tessera(["frames", clip.path, "-o", out.path]).status, 0)
        try expectFailure(["frames", clip.path, "-o", out.path], mentioning: "already exists", leaving: out)
        XCTAssertEqual(try CLITestSupport.tessera(["frames", clip.path, "-o", out.path, "--overwrite"]).status, 0)

        let sheet = dir.appendingPathComponent("sheet.png")
        XCTAssertEqual(try CLITestSupport.tessera(["inspect", clip.path, "--contact-sheet", sheet.path]).status, 0)
        try expectFailure(["inspect", clip.path, "--contact-sheet", sheet.path], mentioning: "already exists", leaving: dir)
        XCTAssertEqual(CLITestSupport.contents(dir), ["clip.mp4", "out", "sheet.png", "src"])
    }
}
