// Files written by Python's `safetensors` read back exactly as PyTorch reads them.
//
// Fixture: `python3 scripts/fixtures/safetensors_files.py` (safetensors 0.8.0, torch 2.13) wrote
// Tests/Fixtures/safetensors/mixed.safetensors and mixed.json (the fp32 bit patterns of
// `tensor.float()` for every float tensor, the values of the integer ones).

import Foundation
import TesseraTensor
import TesseraWeights
import XCTest

final class SafetensorsReaderTests: XCTestCase {
    private struct Expected: Decodable {
        struct Entry: Decodable {
            var dtype: String
            var shape: [Int]
            var f32_bits: [UInt32]?
            var values: [Int64]?
        }
        var metadata: [String: String]
        var tensors: [String: Entry]
    }

    private func expected(_ name: String) throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Fixtures.safetensors(name)))
    }

    func testPythonWrittenFileReadsLikePyTorch() throws {
        let file = try SafetensorsFile(url: Fixtures.safetensors("mixed.safetensors"))
        let expected = try expected("mixed.json")
        XCTAssertEqual(file.metadata, expected.metadata)
        XCTAssertEqual(Set(file.names), Set(expected.tensors.keys))
        for (name, want) in expected.tensors {
            let entry = try XCTUnwrap(file.entry(name), name)
            XCTAssertEqual(entry.dtype.rawValue, want.dtype, name)
            XCTAssertEqual(entry.shape, want.shape, name)
            if let bits = want.f32_bits {
                let tensor = try file.tensor(name)
                XCTAssertEqual(tensor.shape, want.shape, name)
                XCTAssertEqual(mismatches(tensor.data, bits), [], name)
            } else {
                XCTAssertEqual(try file.integers(name), want.values, name)
                XCTAssertThrowsError(try file.tensor(name), name)
            }
        }
    }

    func testEveryHalfAndBFloat16BitPatternConvertsExactly() throws {
        // All 65,536 patterns of each 16-bit type, against PyTorch's `.float()`.
        let file = try SafetensorsFile(url: Fixtures.safetensors("mixed.safetensors"))
        let expected = try expected("mixed.json")
        for name in ["float16.all_bits", "bfloat16.all_bits"] {
            let got = try file.tensor(name).data
            XCTAssertEqual(got.count, 65536)
            XCTAssertEqual(mismatches(got, try XCTUnwrap(expected.tensors[name]?.f32_bits)), [], name)
        }
    }

    /// Indices (at most 10) where `values` differ from the fp32 bit patterns `bits`. Bit-exact,
    /// signed zeros and subnormals included; a NaN must stay a NaN with the same payload, the
    /// quiet bit aside (PyTorch, like F16C's vcvtph2ps, quiets signalling f16 NaNs).
    private func mismatches(_ values: [Float], _ bits: [UInt32]) -> [Int] {
        guard values.count == bits.count else { return [-1] }
        var bad: [Int] = []
        for (i, (value, want)) in zip(values, bits).enumerated() where bad.count < 10 {
            let wanted = Float(bitPattern: want)
            if wanted.isNaN {
                if !value.isNaN || (value.bitPattern | 0x0040_0000) != (want | 0x0040_0000) { bad.append(i) }
            } else if value.bitPattern != want {
                bad.append(i)
            }
        }
        return bad
    }

    func testTensorsStartAlignedInPythonFiles() throws {
        // The reference pads the header to 8 bytes and stores larger dtypes first, so each
        // tensor is aligned for its element type and typed access needs no copy.
        let file = try SafetensorsFile(url: Fixtures.safetensors("mixed.safetensors"))
        XCTAssertEqual(file.header.dataStart % 8, 0)
        for entry in file.entries where entry.byteCount > 0 {
            let bytes = try file.rawBytes(entry.name)
            XCTAssertEqual(Int(bitPattern: bytes.baseAddress!) % entry.dtype.byteSize!, 0, entry.name)
        }
    }

    func testUnalignedTensorsAreCopiedBeforeTypedAccess() throws {
        // Header of odd length: the F32, F16 and I32 data start at odd addresses.
        var header = #"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"f":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},"i":{"dtype":"I32","shape":[1],"data_offsets":[12,16]}}"#
        if header.utf8.count % 2 == 0 { header += " " }
        var data: [UInt8] = []
        for h: UInt16 in [0x3C00, 0xC000] { withUnsafeBytes(of: h.littleEndian) { data += $0 } }  // 1, -2
        for f: Float in [0.25, -3.5] { withUnsafeBytes(of: f.bitPattern.littleEndian) { data += $0 } }
        withUnsafeBytes(of: Int32(-7).littleEndian) { data += $0 }
        let file = try SafetensorsFile(bytes: Fixtures.file(header, data: data))
        XCTAssertEqual(file.header.dataStart % 2, 1)
        XCTAssertNotEqual(Int(bitPattern: try file.rawBytes("f").baseAddress!) % 4, 0)
        XCTAssertEqual(try file.tensor("h").data, [1, -2])
        XCTAssertEqual(try file.tensor("f").data, [0.25, -3.5])
        XCTAssertEqual(try file.integers("i"), [-7])
        let sum = try file.withElements(of: "f", as: Float.self) { buffer -> Float in
            XCTAssertEqual(Int(bitPattern: buffer.baseAddress!) % MemoryLayout<Float>.alignment, 0)
            return buffer.reduce(0, +)
        }
        XCTAssertEqual(sum, -3.25)
        XCTAssertThrowsError(try file.withElements(of: "f", as: Double.self) { _ in })
    }

    func testF64IsRoundedToFloat() throws {
        var writer = SafetensorsWriter()
        var bytes: [UInt8] = []
        for d in [1.0 / 3.0, -1e300, 2.5] { withUnsafeBytes(of: d.bitPattern.littleEndian) { bytes += $0 } }
        try writer.add("d", dtype: .f64, shape: [3], bytes: bytes)
        let file = try SafetensorsFile(bytes: writer.serialized())
        XCTAssertEqual(try file.tensor("d").data, [Float(1.0 / 3.0), -.infinity, 2.5])
    }
}
