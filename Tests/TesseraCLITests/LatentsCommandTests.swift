// `tessera inspect OUTDIR --latents`: saved latents drawn as principal-component pictures,
// and its errors.

import Foundation
import TesseraMedia
import XCTest

final class LatentsCommandTests: XCTestCase {
    /// Writes a safetensors file by hand (this target links only TesseraMedia): one F32
    /// tensor `name` of `shape`, values from `value(i)`.
    private func writeSafetensors(_ url: URL, name: String = "latents", shape: [Int], value: (Int) -> Float) throws {
        let count = shape.reduce(1, *)
        var header = #"{"__metadata__":{"format":"tessera-latents/1"},"\#(name)":{"dtype":"F32","shape":\#(shape),"data_offsets":[0,\#(count * 4)]}}"#
        while header.utf8.count % 8 != 0 { header += " " }
        var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian, Array.init)
        bytes += Array(header.utf8)
        for i in 0..<count { bytes += withUnsafeBytes(of: value(i).bitPattern.littleEndian, Array.init) }
        try Data(bytes).write(to: url)
    }

    func testLatentsPictureOfAnOutputFolder() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        // (1, 16, 3, 6, 8): 16 channels, 3 latent frames of 8x6, a smooth pattern.
        try writeSafetensors(dir.appendingPathComponent("latents.safetensors"), shape: [1, 16, 3, 6, 8]) { i in
            let c = i / (3 * 6 * 8), n = i % (3 * 6 * 8), x = n % 8, y = (n / 8) % 6, f = n / 48
            return sin(Float(x + c) * 0.7) + cos(Float(y * (c % 3 + 1)) * 0.5) + Float(f) * 0.1 * Float(c % 4)
        }
        let result = try CLITestSupport.tessera(["inspect", dir.path, "--latents"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("16 channels x 3 frames of 8x6"), result.stdout)
        XCTAssertTrue(result.stdout.contains("explain"), result.stdout)
        // Default: OUTDIR/latents/pca.png, cells 8 x 16 = 128 wide, 96 high, 3 in a row.
        let picture = try PNGFile.read(dir.appendingPathComponent("latents/pca.png")).image
        XCTAssertEqual(picture.width, 3 * 128 + 4 * 2)
        XCTAssertEqual(picture.height, 96 + 2 * 2)
        let pixels = stride(from: 0, to: picture.pixels.count, by: 3).map { (picture.pixels[$0], picture.pixels[$0 + 1]) }
        XCTAssertGreaterThan(Set(pixels.map { $0.0 }).count, 20, "red varies across the picture")
        XCTAssertGreaterThan(Set(pixels.map { $0.1 }).count, 20, "green varies across the picture")

        let again = try CLITestSupport.tessera(["inspect", dir.path, "--latents"])
        XCTAssertNotEqual(again.status, 0, "an existing picture is not replaced without --overwrite")
        XCTAssertTrue(again.stderr.contains("--overwrite"), again.stderr)

        // A file path and -o, a column count and a cell width.
        let out = dir.appendingPathComponent("grid.png")
        let explicit = try CLITestSupport.tessera(["inspect", dir.appendingPathComponent("latents.safetensors").path,
                                                   "--latents", "-o", out.path, "--columns", "2", "--cell-width", "40"])
        XCTAssertEqual(explicit.status, 0, explicit.stderr)
        let grid = try PNGFile.read(out).image
        XCTAssertEqual(grid.width, 2 * 40 + 3 * 2)
        XCTAssertEqual(grid.height, 2 * 30 + 3 * 2)
    }

    func testMissingAndBadLatentsAreOneLineErrors() throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        func expectFailure(_ arguments: [String], mentioning needle: String, line: UInt = #line) throws {
            let before = CLITestSupport.contents(dir)
            let result = try CLITestSupport.tessera(arguments)
            XCTAssertNotEqual(result.status, 0, line: line)
            let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertFalse(message.contains("\n"), "one line: \(message)", line: line)
            XCTAssertTrue(message.contains(needle), "'\(message)' mentions '\(needle)'", line: line)
            XCTAssertEqual(CLITestSupport.contents(dir), before, "nothing written", line: line)
        }
        try expectFailure(["inspect", dir.path, "--latents"], mentioning: "--save-latents")
        try Data("{ not safetensors".utf8).write(to: dir.appendingPathComponent("latents.safetensors"))
        try expectFailure(["inspect", dir.path, "--latents"], mentioning: "not a safetensors file")
        try writeSafetensors(dir.appendingPathComponent("latents.safetensors"), name: "noise", shape: [1, 4, 1, 2, 2]) { _ in 1 }
        try expectFailure(["inspect", dir.path, "--latents"], mentioning: "no tensor named 'latents'")
        try writeSafetensors(dir.appendingPathComponent("latents.safetensors"), shape: [4, 4]) { Float($0) }
        try expectFailure(["inspect", dir.path, "--latents"], mentioning: "expected one clip")
        let both = try CLITestSupport.tessera(["inspect", dir.path, "--latents", "--steps"])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("--steps and --latents cannot be used together"), both.stderr)
    }
}
