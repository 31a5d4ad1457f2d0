// The strict JSON parser behind safetensors headers and shard indexes.

import TesseraWeights
import XCTest

final class StrictJSONParserTests: XCTestCase {
    func testParsesObjectsInOrder() throws {
        let value = try StrictJSONParser.parse(#" {"b": [1, -2.5e3, true, null], "a": "x\u00e9\ud83d\ude00\n"} "#)
        XCTAssertEqual(value, .object([
            (key: "b", value: .array([.number("1"), .number("-2.5e3"), .bool(true), .null])),
            (key: "a", value: .string("xé😀\n")),
        ]))
    }

    func testRejectsDuplicateKeysAtAnyDepth() {
        for text in [#"{"a": 1, "a": 2}"#, #"{"x": {"k": 1, "k": 1}}"#, #"{"a\u0062": 1, "ab": 2}"#] {
            XCTAssertThrowsError(try StrictJSONParser.parse(text), text) { error in
                XCTAssertNotNil((error as? JSONSyntaxError)?.duplicateKey, "\(error)")
            }
        }
    }

    func testRejectsEverythingOutsideRFC8259() {
        let bad = [
            "", " ", "{", "{]", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "1e", "-", "+1", "NaN", "Infinity",
            "tru", "nul", "'a'", "{a: 1}", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"",
            "\"\\ud800\\u0041\"", "\"a\tb\"", "\"unterminated", "{} {}", "[1] x", "/* c */ {}", "{\"a\" 1}",
        ]
        for text in bad {
            XCTAssertThrowsError(try StrictJSONParser.parse(text), "accepted \(text.debugDescription)")
        }
    }

    func testRejectsInvalidUTF8() {
        let cases: [[UInt8]] = [
            [0x22, 0xC0, 0xAF, 0x22],              // overlong '/'
            [0x22, 0xED, 0xA0, 0x80, 0x22],        // encoded surrogate
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
            [0x22, 0xE2, 0x82, 0x22],              // truncated sequence
            [0x22, 0xFF, 0x22],
        ]
        for bytes in cases {
            XCTAssertThrowsError(try StrictJSONParser.parse(bytes)) { error in
                XCTAssertEqual((error as? JSONSyntaxError)?.message, "not valid UTF-8")
            }
        }
        XCTAssertNil(bytesValid([0xF0, 0x9F, 0x98, 0x80, 0xE2, 0x82, 0xAC, 0xC3, 0xA9]))
    }

    func testNestingIsBounded() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        XCTAssertThrowsError(try StrictJSONParser.parse(deep))
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        XCTAssertNoThrow(try StrictJSONParser.parse(ok))
    }

    func testNonNegativeIntegers() {
        XCTAssertEqual(JSONValue.number("9223372036854775807").nonNegativeInt, Int.max)
        XCTAssertNil(JSONValue.number("9223372036854775808").nonNegativeInt)
        XCTAssertNil(JSONValue.number("-1").nonNegativeInt)
        XCTAssertNil(JSONValue.number("1.0").nonNegativeInt)
        XCTAssertNil(JSONValue.number("1e2").nonNegativeInt)
        XCTAssertEqual(JSONValue.number("0").nonNegativeInt, 0)
    }

    private func bytesValid(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBytes { StrictJSONParser.firstInvalidUTF8Offset($0) }
    }
}
