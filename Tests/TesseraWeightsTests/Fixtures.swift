// Finds test fixtures and builds safetensors files byte by byte.

import Foundation
import TesseraWeights

enum Fixtures {
    /// `Tests/` of this checkout, found by walking up from this file.
    static var testsFolder: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" && url.path != "/" { url.deleteLastPathComponent() }
        return url
    }

    /// `Tests/Fixtures/safetensors/<name>`.
    static func safetensors(_ name: String) -> URL {
        testsFolder.appendingPathComponent("Fixtures/safetensors/\(name)")
    }

    /// The repository root (the folder above `Tests/`).
    static var repositoryRoot: URL { testsFolder.deletingLastPathComponent() }

    /// A fresh temporary folder, removed by the caller.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A safetensors file: 8-byte little-endian length (`declaredLength` or the header's own),
    /// the header text, then `data`.
    static func file(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        file(headerBytes: Array(header.utf8), data: data, declaredLength: declaredLength)
    }

    static func file(headerBytes: [UInt8], data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        var n = declaredLength ?? UInt64(headerBytes.count)
        var bytes: [UInt8] = []
        for _ in 0..<8 { bytes.append(UInt8(n & 0xFF)); n >>= 8 }
        return bytes + headerBytes + data
    }

    /// The rejection reason for `bytes`, or nil when the file is accepted.
    static func rejection(_ bytes: [UInt8]) -> SafetensorsError.Reason? {
        do {
            _ = try SafetensorsFile(bytes: bytes, name: "bad.safetensors")
            return nil
        } catch let error as SafetensorsError {
            return error.reason
        } catch {
            return .io("unexpected error type \(error)")
        }
    }

    /// fp32 values from their bit patterns.
    static func floats(bits: [UInt32]) -> [Float] { bits.map { Float(bitPattern: $0) } }
}
