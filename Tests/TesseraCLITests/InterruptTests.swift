// Ctrl-C in the middle of `tessera encode`: the partial output is removed and the exit status
// says the run was interrupted.

import Foundation
import TesseraMedia
import XCTest

final class InterruptTests: XCTestCase {
    func testInterruptedEncodeLeavesNothing() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let frames = dir.appendingPathComponent("frames")
        // Big frames and VP9's slowest setting: many seconds of work, so the signal lands mid-encode.
        try CLITestSupport.writeFrames(frames, count: 24, width: 512, height: 512)
        let process = Process()
        process.executableURL = try CLITestSupport.binary()
        process.arguments = ["encode", frames.path, "-o", dir.appendingPathComponent("clip.webm").path,
                             "--preset", "veryslow", "--crf", "4"]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // Wait until the temporary output exists (the encoder is running), then interrupt.
        let deadline = Date().addingTimeInterval(60)
        while !CLITestSupport.contents(dir).contains(where: { $0.hasPrefix(".clip.tmp-") }) {
            guard process.isRunning, Date() < deadline else {
                return XCTFail("no temporary output appeared; files: \(CLITestSupport.contents(dir))")
            }
            usleep(20_000)
        }
        usleep(200_000)
        XCTAssertTrue(process.isRunning, "the encode should still be running when interrupted")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 128 + SIGINT)
        XCTAssertEqual(CLITestSupport.contents(dir), ["frames"], "no partial clip, no temporary file")
    }
}
