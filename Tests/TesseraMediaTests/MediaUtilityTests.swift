// AtomicFile, frame folders, generation parameters, statistics, contact sheets, palettes.

import Foundation
import TesseraMedia
import XCTest

final class MediaUtilityTests: XCTestCase {
    // MARK: - AtomicFile

    func testAtomicFileKeepsExtensionAndCommitsOrDiscards() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let destination = dir.appendingPathComponent("clip.mp4")
        let file = try AtomicFile(destination: destination)
        XCTAssertEqual(file.temporaryURL.pathExtension, "mp4")
        XCTAssertTrue(file.temporaryURL.lastPathComponent.hasPrefix(".clip.tmp-"))
        try Data("x".utf8).write(to: file.temporaryURL)
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination.path))
        try file.commit()
        XCTAssertEqual(MediaTestSupport.contents(dir), ["clip.mp4"])

        struct Boom: Error {}
        XCTAssertThrowsError(try AtomicFile.write(to: dir.appendingPathComponent("b.txt")) { url in
            try Data("partial".utf8).write(to: url)
            throw Boom()
        })
        XCTAssertThrowsError(try AtomicFile.write(Data("y".utf8), to: destination, overwrite: false)) { error in
            XCTAssertEqual(error as? MediaError, .outputExists(path: destination.path))
        }
        XCTAssertEqual(try String(contentsOf: destination, encoding: .utf8), "x")
        try AtomicFile.write(Data("z".utf8), to: destination, overwrite: true)
        XCTAssertEqual(try String(contentsOf: destination, encoding: .utf8), "z")
        XCTAssertEqual(MediaTestSupport.contents(dir), ["clip.mp4"])
    }

    // MARK: - Frame folders

    func testFrameSequenceOrdersByNumberInName() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        for name in ["frame10.png", "frame9.png", "frame_0001.png", "notes.txt", "cover.png", ".hidden3.png"] {
            try PNGFile.write(RGBImage(width: 2, height: 2), to: dir.appendingPathComponent(name))
        }
        XCTAssertEqual(try FrameSequence.list(dir).map(\.lastPathComponent),
                       ["frame_0001.png", "frame9.png", "frame10.png", "cover.png"])
        XCTAssertEqual(FrameSequence.fileName(forIndex: 0), "00001.png")
    }

    func testFolderWithoutPNGsIsAnError() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        try Data().write(to: dir.appendingPathComponent("readme.txt"))
        XCTAssertThrowsError(try FrameSequence.list(dir)) { error in
            XCTAssertEqual(error as? MediaError, .noFrames(directory: dir.path))
        }
        XCTAssertThrowsError(try FrameSequence.list(dir.appendingPathComponent("missing"))) { error in
            guard case MediaError.notFound = error else { return XCTFail("\(error)") }
        }
    }

    func testFramesOfDifferentSizesAreAnError() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        try PNGFile.write(RGBImage(width: 4, height: 4), to: dir.appendingPathComponent("00001.png"))
        try PNGFile.write(RGBImage(width: 4, height: 6), to: dir.appendingPathComponent("00002.png"))
        XCTAssertThrowsError(try FrameSequence.load(dir)) { error in
            XCTAssertEqual(error as? MediaError, .frameSizeMismatch(path: dir.appendingPathComponent("00002.png").path,
                                                                    expected: "4x4", found: "4x6"))
        }
    }

    // MARK: - Generation parameters

    func testA1111TextRoundTrip() throws {
        let parameters = GenerationParameters(
            prompt: "a red ball: bouncing, fast\nover \"blue\" floor", negativePrompt: "blurry, dark", steps: 30,
            sampler: "dpm++", guidance: 5.5, shift: 3, seed: 18_446_744_073_709_551_615, width: 128, height: 96,
            frames: 33, fps: 16, modelName: "tessera, shapes v1", modelHash: "0123456789abcdef")
        let text = parameters.a1111Text
        XCTAssertTrue(text.hasPrefix("a red ball: bouncing, fast\nover \"blue\" floor\nNegative prompt: blurry, dark\n"))
        XCTAssertTrue(text.hasSuffix("Steps: 30, Sampler: dpm++, CFG scale: 5.5, Seed: 18446744073709551615, Size: 128x96, Model hash: 0123456789, Model: \"tessera, shapes v1\", Frames: 33, FPS: 16, Shift: 3.0"), text)
        var expected = parameters
        expected.modelHash = "0123456789"
        XCTAssertEqual(GenerationParameters(a1111Text: text), expected)
        XCTAssertNil(GenerationParameters(a1111Text: "just a prompt"))

        let json = String(decoding: try JSONEncoder().encode(parameters), as: UTF8.self)
        XCTAssertTrue(json.contains("\"negative_prompt\"") && json.contains("\"model_hash\""), json)
        XCTAssertEqual(try JSONDecoder().decode(GenerationParameters.self, from: Data(json.utf8)), parameters)
    }

    // MARK: - Statistics and contact sheets

    func testFrameStatisticsMeasureKnownFrames() {
        let a = RGBImage(width: 4, height: 2, red: 100, green: 50, blue: 200)
        let b = RGBImage(width: 4, height: 2, red: 110, green: 50, blue: 170)
        let stats = FrameStatistics.measure([a, a, b])
        XCTAssertEqual(stats.map(\.index), [0, 1, 2])
        XCTAssertEqual(stats[0].meanRed, 100)
        XCTAssertEqual(stats[0].meanBlue, 200)
        XCTAssertEqual(stats[0].meanLuma, 0.299 * 100 + 0.587 * 50 + 0.114 * 200, accuracy: 1e-9)
        XCTAssertNil(stats[0].meanAbsoluteDifference)
        XCTAssertEqual(stats[1].meanAbsoluteDifference, 0, "a still clip has no difference")
        XCTAssertEqual(try XCTUnwrap(stats[2].meanAbsoluteDifference), (10 + 0 + 30) / 3, accuracy: 1e-9)
    }

    func testContactSheetGridAndLabels() {
        let frames = (0..<5).map { RGBImage(width: 20, height: 10, red: UInt8(40 * $0), green: 100, blue: 100) }
        let sheet = ContactSheet.render(frames, columns: 3, spacing: 2)
        XCTAssertEqual(sheet.width, 3 * 20 + 4 * 2)
        XCTAssertEqual(sheet.height, 2 * 10 + 3 * 2)
        // Frame 4 sits in row 1, column 1; away from its label, its own colour.
        XCTAssertEqual(sheet[2 + 22 + 15, 2 + 12 + 8].0, 160)
        // Its label "4" is drawn white on black in the cell's top-left corner: the glyph's left
        // column (font pixel (0,0), scale 1 → sheet pixel (+1, +1)) is lit.
        XCTAssertEqual(sheet[2 + 22 + 1, 2 + 12 + 1].0, 255)
        XCTAssertEqual(sheet[2 + 22 + 2, 2 + 12 + 1].0, 0, "the glyph '4' has a gap in its top row")
        // Empty sixth cell stays background grey.
        XCTAssertEqual(sheet[2 + 44 + 10, 2 + 12 + 5].0, 32)
    }

    func testResizeAveragesWhenShrinking() {
        var image = RGBImage(width: 4, height: 2)
        image[0, 0] = (200, 0, 0); image[1, 0] = (100, 0, 0); image[0, 1] = (0, 0, 0); image[1, 1] = (100, 0, 0)
        let small = image.resized(toWidth: 2, height: 1)
        XCTAssertEqual(small[0, 0].0, 100)
        XCTAssertEqual(image.padded(toWidth: 5, height: 3)[4, 2].0, image[3, 1].0)
    }

    func testGIFQuantisationIsStableWhereTheClipIsStill() {
        // Frame 1 is frame 0 with a small square changed: every pixel outside it keeps its index
        // (error diffusion alone would reshuffle the dither pattern downstream of the change).
        let first = MediaTestSupport.movingGradient(width: 48, height: 32, frames: 1)[0]
        var second = first
        for y in 4..<10 { for x in 4..<10 { second[x, y] = (255, 255, 255) } }
        let palette = GIFPalette(frames: [first, second], maxColors: 32)
        var indices: [[UInt8]] = []
        palette.quantize([first, second]) { _, i in indices.append(i) }
        var changed = 0
        for y in 0..<32 {
            for x in 0..<48 where !(4..<10).contains(x) || !(4..<10).contains(y) {
                if indices[0][y * 48 + x] != indices[1][y * 48 + x] { changed += 1 }
            }
        }
        XCTAssertEqual(changed, 0)
        XCTAssertNotEqual(indices[0], indices[1], "the square itself changed")
    }

    func testGIFPaletteReproducesFewColoursExactly() {
        let frames = MediaTestSupport.movingSquares(width: 40, height: 30, frames: 4)
        let palette = GIFPalette(frames: frames)
        XCTAssertEqual(palette.colors.count, 3)
        for frame in frames {
            let indices = palette.indices(for: frame)
            for (i, index) in indices.enumerated() {
                let c = palette.colors[Int(index)]
                XCTAssertTrue(c == (frame.pixels[i * 3], frame.pixels[i * 3 + 1], frame.pixels[i * 3 + 2]))
                if !(c == (frame.pixels[i * 3], frame.pixels[i * 3 + 1], frame.pixels[i * 3 + 2])) { return }
            }
        }
        // Many colours: capped at 256, all entries used by some pixel region.
        let gradient = MediaTestSupport.movingGradient(width: 64, height: 64, frames: 4)
        XCTAssertEqual(GIFPalette(frames: gradient).colors.count, 256)
    }
}
