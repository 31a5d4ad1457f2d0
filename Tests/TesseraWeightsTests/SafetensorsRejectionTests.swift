// Every rejection of the reference validator (safetensors/src/tensor.rs 0.8.0), each on a
// file built byte by byte, plus the stricter checks Tessera adds (duplicates, unknown fields).

import TesseraWeights
import XCTest

final class SafetensorsRejectionTests: XCTestCase {
    private func assertRejected(
        _ bytes: [UInt8], _ expected: SafetensorsError.Reason, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(Fixtures.rejection(bytes), expected, file: file, line: line)
    }

    private func reasonText(_ bytes: [UInt8]) -> String {
        do {
            _ = try SafetensorsFile(bytes: bytes, name: "bad.safetensors")
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    // MARK: - Header length

    func testFileShorterThanTheLengthPrefix() {
        assertRejected([], .fileTooSmall(size: 0))
        assertRejected([1, 0, 0, 0, 0, 0, 0], .fileTooSmall(size: 7))
    }

    func testHeaderLengthAboveTheCap() {
        assertRejected(Fixtures.file("{}", declaredLength: 100_000_001), .headerTooLarge(length: 100_000_001))
        assertRejected(Fixtures.file("{}", declaredLength: UInt64.max), .headerTooLarge(length: UInt64.max))
    }

    func testHeaderRunsPastTheEndOfTheFile() {
        assertRejected(Fixtures.file("{}", declaredLength: 3), .headerOutsideFile(length: 3, fileSize: 10))
        // The cap itself is allowed, but not when the file is shorter.
        assertRejected(Fixtures.file("{}", declaredLength: 100_000_000), .headerOutsideFile(length: 100_000_000, fileSize: 10))
    }

    // MARK: - Header text

    func testHeaderNotUTF8() {
        let header: [UInt8] = Array(#"{"w\#u{0}"#.utf8.dropLast()) + [0xC3, 0x28] + Array(#"":{}}"#.utf8)
        assertRejected(Fixtures.file(headerBytes: header), .headerNotUTF8(offset: 8 + 3))
    }

    func testHeaderNotJSON() {
        for text in [#"{"w":"#, #"{"w": {}} x"#, "{}\0\0", #"{'w': 1}"#, "", "{,}"] {
            guard case .headerNotJSON? = Fixtures.rejection(Fixtures.file(text)) else {
                XCTFail("\(text.debugDescription): \(reasonText(Fixtures.file(text)))")
                continue
            }
        }
        XCTAssertTrue(reasonText(Fixtures.file(#"{"w":"#)).contains("bad.safetensors: header is not valid JSON at byte 13"))
    }

    func testHeaderNotAnObject() {
        assertRejected(Fixtures.file("[]"), .headerNotObject(found: "array"))
        assertRejected(Fixtures.file(#""F32""#), .headerNotObject(found: "string"))
    }

    // MARK: - Names and metadata

    func testDuplicateTensorNames() {
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        assertRejected(Fixtures.file(header, data: [UInt8](repeating: 0, count: 8)), .duplicateTensor(name: "w"))
        // The same name spelled with an escape is still the same name.
        let escaped = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"\u0077":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        assertRejected(Fixtures.file(escaped, data: [UInt8](repeating: 0, count: 8)), .duplicateTensor(name: "w"))
    }

    func testDuplicateFieldInsideATensor() {
        let header = #"{"w":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}"#
        guard case let .headerNotJSON(_, message)? = Fixtures.rejection(Fixtures.file(header, data: [0, 0, 0, 0])) else {
            return XCTFail("accepted a duplicate field")
        }
        XCTAssertTrue(message.contains("duplicate key \"dtype\""), message)
    }

    func testMetadataMustBeStrings() {
        assertRejected(Fixtures.file(#"{"__metadata__":{"epoch":3}}"#), .invalidMetadata("value of \"epoch\" is a number"))
        assertRejected(Fixtures.file(#"{"__metadata__":"pt"}"#), .invalidMetadata("is a string"))
        XCTAssertNil(Fixtures.rejection(Fixtures.file(#"{"__metadata__":null}"#)))
    }

    // MARK: - Tensor entries

    func testMalformedEntries() {
        let cases: [(String, String)] = [
            (#"{"w":[1]}"#, "is a array"),
            (#"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, "missing field dtype"),
            (#"{"w":{"dtype":"F32","data_offsets":[0,4]}}"#, "missing field shape"),
            (#"{"w":{"dtype":"F32","shape":[1]}}"#, "missing field data_offsets"),
            (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"offset":0}}"#, "unknown field \"offset\""),
            (#"{"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}"#, "dtype is a number"),
            (#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, "shape has the number -1"),
            (#"{"w":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#, "shape has the number 1.0"),
            (#"{"w":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}"#, "shape has a string"),
            (#"{"w":{"dtype":"F32","shape":1,"data_offsets":[0,4]}}"#, "shape is a number"),
            (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#, "two integers"),
            (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, "two integers"),
            (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#, "data_offsets has the number -4"),
            (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,1e1]}}"#, "data_offsets has the number 1e1"),
            (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999]}}"#, "data_offsets has the number 99999999999999999999"),
        ]
        for (header, problem) in cases {
            guard case let .invalidEntry(name, found)? = Fixtures.rejection(Fixtures.file(header, data: [0, 0, 0, 0])) else {
                XCTFail("\(header): \(reasonText(Fixtures.file(header, data: [0, 0, 0, 0])))")
                continue
            }
            XCTAssertEqual(name, "w")
            XCTAssertTrue(found.contains(problem), "\(header): \(found)")
        }
    }

    func testUnknownDTypes() {
        for dtype in ["F128", "f32", "FLOAT", "", "F8"] {
            let header = #"{"w":{"dtype":"\#(dtype)","shape":[1],"data_offsets":[0,4]}}"#
            assertRejected(Fixtures.file(header, data: [0, 0, 0, 0]), .unknownDType(name: "w", dtype: dtype))
        }
    }

    func testEveryReferenceDTypeIsAccepted() {
        for dtype in SafetensorsDType.allCases {
            let count = 8  // 8 elements: a whole number of bytes even for F4 and F6
            let bytes = count * dtype.bitSize / 8
            let header = #"{"w":{"dtype":"\#(dtype.rawValue)","shape":[2,4],"data_offsets":[0,\#(bytes)]}}"#
            XCTAssertNil(Fixtures.rejection(Fixtures.file(header, data: [UInt8](repeating: 0, count: bytes))), dtype.rawValue)
        }
        XCTAssertEqual(SafetensorsDType.allCases.count, 22)
    }

    // MARK: - Offsets and sizes

    func testHoleBeforeTheFirstTensor() {
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        assertRejected(Fixtures.file(header, data: [UInt8](repeating: 0, count: 8)),
                       .invalidOffsets(name: "w", expectedBegin: 0, begin: 4, end: 8))
    }

    func testHoleBetweenTensors() {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        assertRejected(Fixtures.file(header, data: [UInt8](repeating: 0, count: 12)),
                       .invalidOffsets(name: "b", expectedBegin: 4, begin: 8, end: 12))
    }

    func testOverlappingTensors() {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        assertRejected(Fixtures.file(header, data: [UInt8](repeating: 0, count: 12)),
                       .invalidOffsets(name: "b", expectedBegin: 8, begin: 4, end: 12))
        XCTAssertTrue(reasonText(Fixtures.file(header, data: [UInt8](repeating: 0, count: 12))).contains("overlaps the previous tensor"))
    }

    func testEndBeforeBegin() {
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#
        assertRejected(Fixtures.file(header, data: [0, 0, 0, 0]), .invalidOffsets(name: "w", expectedBegin: 4, begin: 4, end: 0))
    }

    func testByteLengthMustMatchShapeTimesDTypeSize() {
        let header = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#
        assertRejected(Fixtures.file(header, data: [0, 0, 0, 0]),
                       .byteLengthMismatch(name: "w", dtype: .f32, shape: [2], expected: 8, found: 4))
        let bf16 = #"{"w":{"dtype":"BF16","shape":[3],"data_offsets":[0,4]}}"#
        assertRejected(Fixtures.file(bf16, data: [0, 0, 0, 0]),
                       .byteLengthMismatch(name: "w", dtype: .bf16, shape: [3], expected: 6, found: 4))
    }

    func testSizeOverflowIsCaught() {
        // Element count overflows: 2^62 × 4.
        let elements = #"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#
        assertRejected(Fixtures.file(elements, data: [0, 0, 0, 0]), .sizeOverflow(name: "w"))
        // Element count fits, bit count does not: 2^60 × 64 bits.
        let bits = #"{"w":{"dtype":"F64","shape":[1152921504606846976],"data_offsets":[0,8]}}"#
        assertRejected(Fixtures.file(bits, data: [UInt8](repeating: 0, count: 8)), .sizeOverflow(name: "w"))
        // Overflow before a zero dimension still counts, as in the reference's try_fold.
        let zeroLast = #"{"w":{"dtype":"U8","shape":[4611686018427387904,4,0],"data_offsets":[0,0]}}"#
        assertRejected(Fixtures.file(zeroLast), .sizeOverflow(name: "w"))
    }

    func testSubByteTensorMustFillWholeBytes() {
        let header = #"{"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#
        assertRejected(Fixtures.file(header, data: [0, 0]), .partialByte(name: "w", bits: 12))
        let ok = #"{"w":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}}"#
        XCTAssertNil(Fixtures.rejection(Fixtures.file(ok, data: [0, 0])))
    }

    func testDataMustEndExactlyAtTheEndOfTheFile() {
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        assertRejected(Fixtures.file(header, data: [0, 0, 0, 0, 0]), .dataDoesNotFillFile(dataEnd: 4, dataSize: 5))
        assertRejected(Fixtures.file(header, data: [0, 0, 0]), .dataDoesNotFillFile(dataEnd: 4, dataSize: 3))
        XCTAssertTrue(reasonText(Fixtures.file(header, data: [0, 0, 0])).contains("truncated"))
        assertRejected(Fixtures.file("{}", data: [0]), .dataDoesNotFillFile(dataEnd: 0, dataSize: 1))
    }

    // MARK: - Accepted edge cases

    func testAcceptedEdgeCases() throws {
        // No tensors at all.
        XCTAssertEqual(try SafetensorsFile(bytes: Fixtures.file("{}")).names, [])
        // Trailing spaces (the writer's padding), whitespace inside, entries out of data order,
        // zero-size tensors sharing an offset, a scalar.
        let header = #" { "b" : {"dtype":"F32","shape":[],"data_offsets":[4,8]}, "z1":{"dtype":"F16","shape":[0,3],"data_offsets":[0,0]}, "a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}, "z2":{"data_offsets":[8,8],"shape":[2,0],"dtype":"I64"} }   "#
        var data = [UInt8]()
        for value: Float in [1.5, -2] { withUnsafeBytes(of: value.bitPattern.littleEndian) { data += $0 } }
        let file = try SafetensorsFile(bytes: Fixtures.file(header, data: data))
        XCTAssertEqual(file.names, ["z1", "a", "b", "z2"])
        XCTAssertEqual(try file.tensor("a").data, [1.5])
        XCTAssertEqual(try file.tensor("b").shape, [])
        XCTAssertEqual(try file.tensor("b").data, [-2])
        XCTAssertEqual(try file.tensor("z1").shape, [0, 3])
        XCTAssertEqual(try file.integers("z2"), [])
    }

    // MARK: - Reading errors

    func testReadingErrorsNameTheFileAndTensor() throws {
        let header = #"{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#
        let file = try SafetensorsFile(bytes: Fixtures.file(header, data: [7, 0, 0, 0, 0, 0, 0, 0]), name: "ids.safetensors")
        XCTAssertEqual(try file.integers("ids"), [7])
        XCTAssertThrowsError(try file.tensor("ids")) { error in
            XCTAssertEqual((error as? SafetensorsError)?.reason, .unsupportedConversion(name: "ids", dtype: .i64, wanted: "fp32 (F32, F16, BF16 or F64)"))
            XCTAssertEqual("\(error)", "SafetensorsError: ids.safetensors: tensor \"ids\" is I64, which cannot be read as fp32 (F32, F16, BF16 or F64)")
        }
        XCTAssertThrowsError(try file.tensor("nope")) { error in
            XCTAssertEqual("\(error)", "SafetensorsError: ids.safetensors: no tensor named \"nope\"")
        }
    }

    func testMessagesStayOnOneLine() {
        let header = "{\"a\\nb\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}"
        let text = reasonText(Fixtures.file(header, data: [0, 0, 0, 0]))
        XCTAssertFalse(text.contains("\n"), text)
        XCTAssertTrue(text.hasPrefix("SafetensorsError: bad.safetensors: tensor \"a\\nb\" (F32 [2]) needs 8 bytes"), text)
    }

    func testControlCharactersInKeysAreEscapedInMessages() {
        // Found by the fuzzer (Fuzz/regressions/newline-in-error-message): an unknown field
        // named "data0\nfsets" put a newline into the message.
        let header = #"{"t\n":{"dtype":"U8","shape":[],"data0\nfsets":[0,1]}}"#
        let text = reasonText(Fixtures.file(header, data: [5]))
        XCTAssertEqual(text, #"SafetensorsError: bad.safetensors: tensor "t\n": unknown field "data0\nfsets" (a tensor has only dtype, shape and data_offsets)"#)
        let duplicate = #"{"a":{"k\u001b":1,"k\u001b":2}}"#
        XCTAssertTrue(reasonText(Fixtures.file(duplicate)).hasSuffix(#"duplicate key "k\u{1b}""#), reasonText(Fixtures.file(duplicate)))
    }

    func testMissingFileIsAnIOError() {
        XCTAssertThrowsError(try SafetensorsFile(url: URL(fileURLWithPath: "/nonexistent/model.safetensors"))) { error in
            XCTAssertEqual("\(error)", "SafetensorsError: /nonexistent/model.safetensors: cannot open: No such file or directory")
        }
        XCTAssertThrowsError(try SafetensorsFile(url: URL(fileURLWithPath: "/tmp"))) { error in
            XCTAssertEqual((error as? SafetensorsError)?.reason, .io("not a regular file"))
        }
    }
}
