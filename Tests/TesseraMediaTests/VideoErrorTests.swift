// Bad input to the video writer and reader: a clear error, and nothing partial left behind.

import Foundation
import TesseraMedia
import XCTest

final class VideoErrorTests: XCTestCase {
    func testFrameRateOutOfRangeIsRefused() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        for fps in [0, -5, 241] {
            XCTAssertThrowsError(try VideoWriter(url: dir.appendingPathComponent("a.mp4"), width: 8, height: 8, fps: fps,
                                                 format: .mp4)) { error in
                XCTAssertEqual(error as? MediaError, .invalidFrameRate(fps))
            }
        }
        XCTAssertNoThrow(try VideoWriter(url: dir.appendingPathComponent("b.mp4"), width: 8, height: 8, fps: 240, format: .mp4))
        XCTAssertEqual(MediaTestSupport.contents(dir), [], "writers dropped without finish() leave nothing")
    }

    func testCRFAndPresetAreValidated() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("a.mp4")
        XCTAssertThrowsError(try VideoWriter(url: url, width: 8, height: 8, fps: 8, format: .mp4, crf: 52))
        XCTAssertThrowsError(try VideoWriter(url: url, width: 8, height: 8, fps: 8, format: .gif, crf: 10))
        XCTAssertThrowsError(try VideoWriter(url: url, width: 8, height: 8, fps: 8, format: .mp4, preset: "warp")) { error in
            XCTAssertEqual(error as? MediaError, .invalidPreset("warp"))
        }
    }

    func testUnknownFormatIsRefused() {
        XCTAssertThrowsError(try VideoFormat.resolve(name: "avi", url: URL(fileURLWithPath: "x.mp4"))) { error in
            XCTAssertEqual(error as? MediaError, .unknownFormat("avi"))
        }
        XCTAssertThrowsError(try VideoFormat.resolve(name: nil, url: URL(fileURLWithPath: "clip.mov")))
        XCTAssertEqual(try VideoFormat.resolve(name: nil, url: URL(fileURLWithPath: "clip.GIF")), .gif)
        XCTAssertEqual(try VideoFormat.resolve(name: "webm", url: URL(fileURLWithPath: "clip.mp4")), .webm)
    }

    func testUnwritableOutputIsAnError() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        XCTAssertThrowsError(try VideoWriter(url: dir.appendingPathComponent("missing/a.mp4"), width: 8, height: 8, fps: 8,
                                             format: .mp4)) { error in
            guard case MediaError.notWritable = error else { return XCTFail("\(error)") }
        }
    }

    func testWrongFrameSizeIsRefused() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let writer = try VideoWriter(url: dir.appendingPathComponent("a.mp4"), width: 16, height: 16, fps: 8, format: .mp4)
        try writer.append(RGBImage(width: 16, height: 16))
        XCTAssertThrowsError(try writer.append(RGBImage(width: 8, height: 16))) { error in
            guard case MediaError.frameSizeMismatch = error else { return XCTFail("\(error)") }
        }
        // A refused frame is not written; the writer stays usable.
        try writer.finish()
        XCTAssertEqual(try VideoReader.read(dir.appendingPathComponent("a.mp4")).info.frameCount, 1)
        XCTAssertThrowsError(try writer.append(RGBImage(width: 16, height: 16))) { error in
            guard case MediaError.writerClosed = error else { return XCTFail("\(error)") }
        }
    }

    func testFinishWithoutFramesAndDroppedWriterLeaveNothing() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        do {
            let writer = try VideoWriter(url: dir.appendingPathComponent("empty.mp4"), width: 8, height: 8, fps: 8, format: .mp4)
            XCTAssertThrowsError(try writer.finish())
        }
        do {
            let writer = try VideoWriter(url: dir.appendingPathComponent("dropped.webm"), width: 8, height: 8, fps: 8,
                                         format: .webm)
            try writer.append(RGBImage(width: 8, height: 8))
        }
        XCTAssertEqual(MediaTestSupport.contents(dir), [])
    }

    func testExistingOutputIsRefusedUnlessOverwrite() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("a.gif")
        try Data("keep me".utf8).write(to: url)
        XCTAssertThrowsError(try VideoWriter(url: url, width: 8, height: 8, fps: 8, format: .gif, overwrite: false)) { error in
            XCTAssertEqual(error as? MediaError, .outputExists(path: url.path))
        }
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "keep me")
        let writer = try VideoWriter(url: url, width: 8, height: 8, fps: 8, format: .gif, overwrite: true)
        try writer.append(RGBImage(width: 8, height: 8, red: 200))
        try writer.finish()
        XCTAssertEqual(try VideoReader.read(url).info.codec, "gif")
        XCTAssertEqual(MediaTestSupport.contents(dir), ["a.gif"])
    }

    func testNonVideoInputIsAnError() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("notes.mp4")
        try Data("this is not a video\n".utf8).write(to: url)
        XCTAssertThrowsError(try VideoReader.read(url)) { error in
            guard case let MediaError.videoRead(path, message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, url.path)
            XCTAssertTrue(message.contains("Invalid data"), message)
        }
        XCTAssertThrowsError(try VideoReader.read(dir.appendingPathComponent("missing.mp4"))) { error in
            XCTAssertEqual(error as? MediaError, .notFound(path: dir.appendingPathComponent("missing.mp4").path))
        }
        XCTAssertThrowsError(try VideoReader.read(dir))
    }

    func testFrameExportIntoNewAndExistingFolders() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("a.webm")
        let writer = try VideoWriter(url: url, width: 8, height: 8, fps: 8, format: .webm)
        for frame in MediaTestSupport.movingGradient(width: 8, height: 8, frames: 4) { try writer.append(frame) }
        try writer.finish()
        let fresh = dir.appendingPathComponent("fresh")
        let result = try FrameExport.export(video: url, to: fresh, range: FrameRange(parsing: "1:3")!)
        XCTAssertEqual(result.count, 2)
        XCTAssertEqual(result.frameCount, 4)
        XCTAssertEqual(MediaTestSupport.contents(fresh), ["00002.png", "00003.png"])
        // An existing folder holding only hidden files counts as empty.
        let existing = dir.appendingPathComponent("existing")
        try FileManager.default.createDirectory(at: existing, withIntermediateDirectories: true)
        try Data().write(to: existing.appendingPathComponent(".keep"))
        try FrameExport.export(video: url, to: existing)
        XCTAssertEqual(MediaTestSupport.contents(existing), [".keep", "00001.png", "00002.png", "00003.png", "00004.png"])
        XCTAssertThrowsError(try FrameExport.export(video: url, to: existing)) { error in
            XCTAssertEqual(error as? MediaError, .outputExists(path: existing.path))
        }
        XCTAssertEqual(MediaTestSupport.contents(dir).filter { $0.hasPrefix(".") }, [], "no staging folder left")
    }

    func testRangeOutsideClipIsAnError() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("a.mp4")
        let writer = try VideoWriter(url: url, width: 8, height: 8, fps: 8, format: .mp4)
        for frame in MediaTestSupport.movingGradient(width: 8, height: 8, frames: 5) { try writer.append(frame) }
        try writer.finish()
        XCTAssertThrowsError(try VideoReader.read(url, range: 3..<9)) { error in
            XCTAssertEqual(error as? MediaError, .rangeOutsideClip(range: "3:9", frameCount: 5))
        }
        XCTAssertThrowsError(try FrameRange(lowerBound: 5, upperBound: nil).resolved(frameCount: 5))
        XCTAssertEqual(try FrameRange(parsing: "2:")!.resolved(frameCount: 5), 2..<5)
        XCTAssertEqual(try VideoReader.read(url, range: 1..<5).frames.count, 4)
        XCTAssertNil(FrameRange(parsing: "4:2"))
        XCTAssertNil(FrameRange(parsing: "-1:2"))
        XCTAssertNil(FrameRange(parsing: "a:b"))
        XCTAssertEqual(FrameRange(parsing: ":3"), FrameRange(lowerBound: 0, upperBound: 3))
    }
}
