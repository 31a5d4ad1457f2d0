// SHA-256 against the FIPS 180-4 examples and against `sha256sum` on a real file.

import Foundation
import TesseraWeights
import XCTest

final class SHA256Tests: XCTestCase {
    private func hex(_ text: String) -> String { SHA256.hex(SHA256.digest(Array(text.utf8))) }

    func testKnownVectors() {
        XCTAssertEqual(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
                       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        XCTAssertEqual(hex(String(repeating: "a", count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testStreamingInAnyChunkSizesGivesTheSameDigest() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let whole = SHA256.digest(bytes)
        for chunk in [1, 3, 63, 64, 65, 127, 999] {
            var hasher = SHA256()
            var i = 0
            while i < bytes.count {
                hasher.update(Array(bytes[i..<min(i + chunk, bytes.count)]))
                i += chunk
            }
            XCTAssertEqual(hasher.finalize(), whole, "chunk \(chunk)")
        }
    }

    func testFileDigestMatchesSha256sum() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // 3 MiB + 17 bytes: several 1 MiB reads and a partial block at the end.
        let url = folder.appendingPathComponent("blob.bin")
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<(3 << 20) + 17).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407  // LCG: fast, reproducible
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        try Data(bytes).write(to: url)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let reference = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: " ").first.map(String.init)
        XCTAssertEqual(try SHA256.hexDigest(ofFile: url), reference)
        XCTAssertEqual(SHA256.hex(SHA256.digest(bytes)), reference)
        // And on a fixture written by Python.
        let fixture = Fixtures.safetensors("mixed.safetensors")
        XCTAssertEqual(try SHA256.hexDigest(ofFile: fixture).count, 64)
    }

    func testMissingFile() {
        XCTAssertThrowsError(try SHA256.hexDigest(ofFile: URL(fileURLWithPath: "/nonexistent/w.safetensors"))) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/w.safetensors: cannot open to hash"), "\(error)")
        }
    }
}
