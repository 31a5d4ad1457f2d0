// The writer: same bytes as Python's `safetensors`, round trips, atomic replacement.
//
// Fixture: `python3 scripts/fixtures/safetensors_files.py` wrote writer_reference.safetensors
// with `save_file` and writer_reference.json with the fp32 bit patterns of its tensors.

import Foundation
import TesseraTensor
import TesseraWeights
import XCTest

final class SafetensorsWriterTests: XCTestCase {
    private struct Reference: Decodable {
        struct Entry: Decodable { var dtype: String; var shape: [Int]; var f32_bits: [UInt32] }
        var metadata: [String: String]
        var tensors: [String: Entry]
    }

    func testWritesTheSameBytesAsPythonSafetensors() throws {
        let reference = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: Fixtures.safetensors("writer_reference.json")))
        var writer = SafetensorsWriter(metadata: reference.metadata)
        // Added in an order unlike the file's, which the writer must sort as the reference does.
        for (name, entry) in reference.tensors.sorted(by: { $0.key > $1.key }) {
            let dtype = try XCTUnwrap(SafetensorsDType(rawValue: entry.dtype))
            try writer.add(name, Tensor(shape: entry.shape, data: Fixtures.floats(bits: entry.f32_bits)), as: dtype)
        }
        let python = try [UInt8](Data(contentsOf: Fixtures.safetensors("writer_reference.safetensors")))
        let swift = writer.serialized()
        XCTAssertEqual(swift.count, python.count)
        XCTAssertEqual(swift, python, String(decoding: swift.prefix(400), as: UTF8.self))
    }

    func testRoundTripF32F16BF16() throws {
        var values: [Float] = (0..<1000).map { Float($0) * 0.731 - 300 }
        values += [0, -0, .infinity, -.infinity, 65504, 1e-7, -1e-30, 3.0e38]
        let tensor = Tensor(shape: [8, 126], data: values)
        var writer = SafetensorsWriter(metadata: ["format": "pt", "tessera": "\"quoted\"\n\\ ✓"])
        try writer.add("w.f32", tensor)
        try writer.add("w.f16", tensor, as: .f16)
        try writer.add("w.bf16", tensor, as: .bf16)
        try writer.add("ids", dtype: .i64, shape: [2], bytes: [1, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("round.safetensors")
        try writer.write(to: url)

        let file = try SafetensorsFile(url: url)
        XCTAssertEqual(file.metadata, writer.metadata)
        XCTAssertEqual(try file.tensor("w.f32"), tensor)
        // Each 16-bit value is the round-to-nearest-even of the fp32 one (HalfPrecision's,
        // itself checked against PyTorch in TesseraTensorTests and via the fixtures above).
        XCTAssertEqual(try file.tensor("w.f16").data, HalfPrecision.floats(fromHalf: HalfPrecision.halfBits(from: values)))
        XCTAssertEqual(try file.tensor("w.bf16").data, HalfPrecision.floats(fromBFloat16: HalfPrecision.bfloat16Bits(from: values)))
        XCTAssertEqual(try file.integers("ids"), [1, -1])
        XCTAssertEqual(file.entry("w.f16")?.dtype, .f16)
        XCTAssertEqual(file.header.dataStart % 8, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["round.safetensors"])
    }

    func testPythonReadsWhatSwiftWrote() throws {
        // Python's own reader must accept the file too (skipped where Python is absent).
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/env") else { throw XCTSkip("no /usr/bin/env") }
        var writer = SafetensorsWriter(metadata: ["k": "v"])
        try writer.add("a", Tensor(shape: [2, 2], data: [1, 2, 3, 4]), as: .bf16)
        try writer.add("b", Tensor(shape: [3], data: [0.5, -1, 2]))
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("x.safetensors")
        try writer.write(to: url)
        let script = "import sys; from safetensors.torch import load_file; d = load_file(sys.argv[1]); print(d['b'].tolist(), tuple(d['a'].shape), d['a'].float().tolist())"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, url.path]
        process.currentDirectoryURL = folder
        let pipe = Pipe()
        process.standardOutput = pipe
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw XCTSkip("python3 with safetensors and torch is not available: \(message.suffix(300))")
        }
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "[0.5, -1.0, 2.0] (2, 2) [[1.0, 2.0], [3.0, 4.0]]")
    }

    func testReplacesAnExistingFileAtomically() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("w.safetensors")
        try Data("old".utf8).write(to: url)
        var writer = SafetensorsWriter()
        try writer.add("x", shape: [1], values: [42])
        try writer.write(to: url)
        XCTAssertEqual(try SafetensorsFile(url: url).tensor("x").data, [42])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["w.safetensors"])
    }

    func testWriteIntoAMissingFolderFailsCleanly() throws {
        var writer = SafetensorsWriter()
        try writer.add("x", shape: [1], values: [1])
        let url = URL(fileURLWithPath: "/nonexistent-tessera/out.safetensors")
        XCTAssertThrowsError(try writer.write(to: url)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("SafetensorsError: /nonexistent-tessera/out.safetensors: cannot create"), text)
            XCTAssertFalse(text.contains("\n"))
        }
    }

    func testRejectsTensorsItCannotStore() {
        var writer = SafetensorsWriter()
        XCTAssertNoThrow(try writer.add("a", shape: [2], values: [1, 2]))
        XCTAssertThrowsError(try writer.add("a", shape: [1], values: [1]))  // duplicate
        XCTAssertThrowsError(try writer.add("__metadata__", shape: [1], values: [1]))
        XCTAssertThrowsError(try writer.add("b", shape: [3], values: [1, 2]))  // count
        XCTAssertThrowsError(try writer.add("c", shape: [-1], values: []))
        XCTAssertThrowsError(try writer.add("d", shape: [1], values: [1], as: .i32))
        XCTAssertThrowsError(try writer.add("e", dtype: .i32, shape: [2], bytes: [0, 0, 0, 0]))
        XCTAssertThrowsError(try writer.add("f", dtype: .f4, shape: [3], bytes: [0, 0]))
        XCTAssertEqual(try SafetensorsFile(bytes: writer.serialized()).names, ["a"])
    }
}
