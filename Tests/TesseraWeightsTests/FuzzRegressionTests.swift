// Replays the fuzzer's inputs through the parser on every `swift test`.
//
// Fuzz/corpus holds the seed corpus (Fuzz/make_seed_corpus.py) and a minimised set of the
// inputs libFuzzer found interesting; Fuzz/regressions holds inputs that once crashed or
// broke an invariant. Each must be accepted or rejected with a one-line SafetensorsError,
// and an accepted one must tile its data section exactly, read back tensor by tensor, and
// read back the same once rewritten by SafetensorsWriter: the same checks as
// Fuzz/SafetensorsFuzzer/SafetensorsFuzzCheck.swift.

import Foundation
import TesseraWeights
import XCTest

final class FuzzRegressionTests: XCTestCase {
    private func inputs(_ folder: String) throws -> [URL] {
        let url = Fixtures.repositoryRoot.appendingPathComponent("Fuzz/\(folder)").resolvingSymlinksInPath()
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") && $0.pathExtension != "md" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Returns true when accepted; fails the test on any broken invariant. Like the fuzzer,
    /// also tries the input as a bare header behind a correct length prefix.
    private func check(_ url: URL) throws -> Bool {
        let bytes = try [UInt8](Data(contentsOf: url))
        _ = try? StrictJSONParser.parse(bytes)
        var n = UInt64(bytes.count)
        var prefixed = [UInt8]()
        for _ in 0..<8 { prefixed.append(UInt8(n & 0xFF)); n >>= 8 }
        _ = try check(prefixed + bytes, name: url.lastPathComponent)
        return try check(bytes, name: url.lastPathComponent)
    }

    private func check(_ bytes: [UInt8], name: String) throws -> Bool {
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(bytes: bytes, name: name)
        } catch let error as SafetensorsError {
            XCTAssertFalse(error.description.contains("\n"), "\(name): \(error)")
            XCTAssertTrue(error.description.hasPrefix("SafetensorsError: \(name): "), "\(name): \(error)")
            return false
        }
        var end = 0
        for entry in file.entries {
            XCTAssertEqual(entry.dataOffsets.lowerBound, end, name)
            end = entry.dataOffsets.upperBound
            XCTAssertEqual(file.entry(entry.name), entry, name)
            if entry.dtype.isConvertibleToFloat {
                let tensor = try file.tensor(entry.name)
                XCTAssertEqual(tensor.shape, entry.shape, name)
            } else if entry.dtype.isInteger, entry.dtype != .u64 {
                XCTAssertEqual(try file.integers(entry.name).count, entry.elementCount, name)
            }
        }
        XCTAssertEqual(file.header.dataStart + end, bytes.count, name)
        // Rewritten by SafetensorsWriter, the file reads back the same.
        var writer = SafetensorsWriter(metadata: file.metadata)
        for entry in file.entries {
            try writer.add(entry.name, dtype: entry.dtype, shape: entry.shape, bytes: Array(file.rawBytes(entry.name)))
        }
        let again = try SafetensorsFile(bytes: writer.serialized())
        XCTAssertEqual(again.metadata, file.metadata, name)
        XCTAssertEqual(Set(again.names), Set(file.names), name)
        for entry in file.entries {
            XCTAssertEqual(again.entry(entry.name)?.dtype, entry.dtype, name)
            XCTAssertEqual(again.entry(entry.name)?.shape, entry.shape, name)
            XCTAssertEqual(Array(try again.rawBytes(entry.name)), Array(try file.rawBytes(entry.name)), name)
        }
        return true
    }

    func testSeedAndFoundInputsReplayCleanly() throws {
        let corpus = try inputs("corpus")
        XCTAssertGreaterThan(corpus.count, 20, "Fuzz/corpus is missing")
        var accepted = 0
        for url in corpus where try check(url) { accepted += 1 }
        XCTAssertGreaterThan(accepted, 0)
        XCTAssertLessThan(accepted, corpus.count)
    }

    func testRegressionInputs() throws {
        for url in try inputs("regressions") { _ = try check(url) }
    }
}
