// Tokenizer behaviour on edge cases, checked against values transformers' BertTokenizer gives
// for all-MiniLM-L6-v2 (e.g. `AutoTokenizer.from_pretrained(dir)("a [MASK] ball")`).

import Foundation
import TesseraText
import XCTest

final class TokenizerTests: XCTestCase {
    private static let tokenizerResult: Result<BertTokenizer, Error> = Result {
        try BertTokenizer(directory: TextEncoderFiles.defaultDirectory)
    }

    private func tokenizer() throws -> BertTokenizer {
        _ = try Fixtures.encoderDirectory()
        return try Self.tokenizerResult.get()
    }

    func testEmptyPromptIsClsSep() throws {
        let t = try tokenizer()
        for prompt in ["", "   ", "\u{0}\u{7}", "\u{200B}"] {
            let e = t.encode(prompt, maxLength: 256)
            XCTAssertEqual(e.ids, [101, 102], prompt.debugDescription)
            XCTAssertEqual(e.tokens, ["[CLS]", "[SEP]"])
            XCTAssertFalse(e.truncated)
        }
    }

    func testLowercaseAccentsPunctuationAndCJK() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.encode("Crème BRÛLÉE, s'il vous plaît!").tokens,
                       ["[CLS]", "cr", "##eme", "br", "##ule", "##e", ",", "s", "'", "il", "vo", "##us", "pl", "##ai", "##t", "!", "[SEP]"])
        XCTAssertEqual(t.tokenize("一只猫").ids, [1740, 100, 100])
        XCTAssertEqual(t.tokenize("a\u{2028}b\u{0B}c").tokens, ["a", "bc"])
    }

    func testWordPieceLongestMatchAndUnknown() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.tokenize("unbelievably").tokens, ["un", "##bel", "##ie", "##va", "##bly"])
        XCTAssertEqual(t.tokenize("supercalifragilistic").tokens, ["super", "##cal", "##if", "##rag", "##ilis", "##tic"])
        // 100 scalars are still split; 101 make the whole word [UNK].
        let hundred = t.tokenize(String(repeating: "a", count: 100)).tokens
        XCTAssertEqual(hundred, ["aaa"] + Array(repeating: "##aa", count: 48) + ["##a"])
        XCTAssertEqual(t.tokenize(String(repeating: "a", count: 101)).tokens, ["[UNK]"])
        XCTAssertEqual(t.tokenize("🚀").tokens, ["[UNK]"])
    }

    func testSpecialTokensInTextAreKeptWhole() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.encode("a [MASK] ball").ids, [101, 1037, 103, 3608, 102])
        // Matched on the raw text, case-sensitively: "[mask]" is ordinary text.
        XCTAssertEqual(t.tokenize("[mask]").tokens, ["[", "mask", "]"])
    }

    func testTruncationKeepsClsAndSep() throws {
        let t = try tokenizer()
        let e = t.encode(Array(repeating: "cat", count: 300).joined(separator: " "), maxLength: 256)
        XCTAssertEqual(e.ids.count, 256)
        XCTAssertEqual(e.ids.first, 101)
        XCTAssertEqual(e.ids.last, 102)
        XCTAssertTrue(e.truncated)
        XCTAssertEqual(e.untruncatedLength, 302)
        let exact = t.encode(Array(repeating: "cat", count: 254).joined(separator: " "), maxLength: 256)
        XCTAssertEqual(exact.ids.count, 256)
        XCTAssertFalse(exact.truncated)
    }

    func testInvalidUTF8IsRejectedWithItsPosition() {
        XCTAssertNil(UTF8Validation.firstInvalidByteOffset(Array("héllo 🚀".utf8)))
        XCTAssertEqual(UTF8Validation.firstInvalidByteOffset([0x61, 0x62, 0xFF, 0x63]), 2)
        XCTAssertEqual(UTF8Validation.firstInvalidByteOffset([0x61, 0xC3]), 1)              // truncated
        XCTAssertEqual(UTF8Validation.firstInvalidByteOffset([0xC0, 0xAF]), 0)              // overlong
        XCTAssertEqual(UTF8Validation.firstInvalidByteOffset([0x61, 0xED, 0xA0, 0x80]), 1)  // surrogate
        XCTAssertEqual(UTF8Validation.firstInvalidByteOffset([0xF4, 0x90, 0x80, 0x80]), 0)  // > U+10FFFF
        XCTAssertEqual(UTF8Validation.firstInvalidByteOffset([0xE2, 0x82, 0x41]), 0)        // bad continuation
        XCTAssertThrowsError(try UTF8Validation.decode([0x61, 0x80])) { error in
            XCTAssertEqual(error as? TextEncoderError, .invalidUTF8(byteOffset: 1))
            XCTAssertTrue("\(error)".contains("position 1"))
        }
    }

    func testMissingFilesNameThePathAndTheInstallCommand() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-no-encoder-\(UUID())")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        XCTAssertThrowsError(try BertTokenizer(directory: empty)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(empty.appendingPathComponent("vocab.txt").path), message)
            XCTAssertTrue(message.contains("make setup"), message)
            XCTAssertFalse(message.contains("\n"))
        }
    }
}
