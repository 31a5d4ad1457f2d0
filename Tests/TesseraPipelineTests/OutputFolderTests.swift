// Output folders are written under a temporary name and renamed when complete.

import Foundation
import TesseraPipeline
import XCTest

final class OutputFolderTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-output-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func contents(_ url: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    func testCommitRenamesAndDiscardLeavesNothing() throws {
        let destination = scratch.appendingPathComponent("clip")
        let out = try OutputFolder(destination: destination)
        try Data("x".utf8).write(to: try out.url(for: "frames/00001.png"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination.path))
        XCTAssertEqual(contents(scratch).count, 1)
        XCTAssertTrue(contents(scratch)[0].hasPrefix(".clip.partial-"))
        try out.commit()
        XCTAssertEqual(contents(scratch), ["clip"])
        XCTAssertEqual(contents(destination.appendingPathComponent("frames")), ["00001.png"])

        let second = scratch.appendingPathComponent("other")
        do {
            let out = try OutputFolder(destination: second)
            try Data("x".utf8).write(to: try out.url(for: "clip.mp4"))
            out.discard()
        }
        do {
            // Dropped without commit (an error unwinding the run): removed too.
            let out = try OutputFolder(destination: second)
            try Data("x".utf8).write(to: try out.url(for: "clip.mp4"))
        }
        XCTAssertEqual(contents(scratch), ["clip"])
    }

    func testExistingDestinationIsRefusedUnlessOverwrite() throws {
        let destination = scratch.appendingPathComponent("clip")
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        // An empty folder is free.
        try OutputFolder(destination: destination).commit()
        try Data("old".utf8).write(to: destination.appendingPathComponent("old.txt"))
        XCTAssertThrowsError(try OutputFolder(destination: destination)) { error in
            XCTAssertTrue("\(error)".contains("already exists"), "\(error)")
        }
        let out = try OutputFolder(destination: destination, overwrite: true)
        try Data("new".utf8).write(to: try out.url(for: "new.txt"))
        try out.commit()
        XCTAssertEqual(contents(destination), ["new.txt"])
        XCTAssertEqual(contents(scratch), ["clip"])
    }

    func testUnwritableParent() throws {
        let file = scratch.appendingPathComponent("file")
        try Data().write(to: file)
        XCTAssertThrowsError(try OutputFolder(destination: file.appendingPathComponent("clip"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot write output \(file.path)"), "\(error)")
        }
    }

    func testDefaultNameAndSlug() {
        XCTAssertEqual(OutputFolder.slug("A red ball, bouncing!  On a BLUE floor"), "a-red-ball-bouncing-on-a-blue-floor")
        XCTAssertEqual(OutputFolder.slug("Crème brûlée"), "creme-brulee")
        XCTAssertEqual(OutputFolder.slug("日本語"), "untitled")
        XCTAssertEqual(OutputFolder.slug(String(repeating: "word ", count: 30)).count, 44)  // 9 words; a 10th makes 49
        let date = Date(timeIntervalSince1970: 0)
        let url = OutputFolder.defaultURL(root: URL(fileURLWithPath: "/o"), prompt: "a cat", seed: 9, date: date)
        XCTAssertTrue(url.lastPathComponent.hasSuffix("-a-cat-9"), url.path)
        XCTAssertEqual(url.lastPathComponent.count, "19700101-000000-a-cat-9".count)
    }
}
