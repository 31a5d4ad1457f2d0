// Tokenizer parity with transformers' BertTokenizer (tokenizers backend) as sentence-transformers
// applies it. Fixtures made by: python3 scripts/fixtures/minilm.py

import Foundation
import TesseraText
import XCTest

final class TokenizerParityTests: XCTestCase {
    private static let tokenizerResult: Result<BertTokenizer, Error> = Result {
        try BertTokenizer(directory: TextEncoderFiles.defaultDirectory)
    }

    private func tokenizer() throws -> BertTokenizer {
        _ = try Fixtures.encoderDirectory()
        return try Self.tokenizerResult.get()
    }

    /// Every fixture prompt gets exactly the reference's ids and tokens, truncation included.
    func testIdsMatchReferenceForEveryPrompt() throws {
        let tokenizer = try tokenizer()
        let file = try Fixtures.prompts()
        XCTAssertGreaterThanOrEqual(file.prompts.count, 100)
        var mismatches = 0
        for (i, p) in file.prompts.enumerated() {
            let encoded = tokenizer.encode(p.prompt, maxLength: file.maxSeqLength)
            if encoded.ids != p.ids || encoded.tokens != p.tokens {
                mismatches += 1
                XCTFail("prompt \(i) (\(p.group)) \(p.prompt.debugDescription.prefix(80)): ids \(encoded.ids.prefix(40)) tokens \(encoded.tokens.prefix(20)), reference \(p.ids.prefix(40)) \(p.tokens.prefix(20))")
            }
            XCTAssertEqual(encoded.truncated, p.truncated, "prompt \(i): truncated flag")
            XCTAssertEqual(encoded.untruncatedLength, p.untruncatedLength, "prompt \(i): untruncated length")
        }
        XCTAssertEqual(mismatches, 0)
        // The fixture covers what the issue lists.
        let groups = Set(file.prompts.map(\.group))
        for group in ["accents", "punctuation", "digits", "emoji", "cjk", "case", "whitespace", "control", "long", "video"] {
            XCTAssertTrue(groups.contains(group), "fixture lacks the \(group) group")
        }
        XCTAssertTrue(file.prompts.contains { $0.truncated }, "fixture lacks a prompt longer than 256 tokens")
        XCTAssertTrue(file.prompts.contains { $0.prompt.isEmpty }, "fixture lacks the empty prompt")
    }

    /// Normalizer + pre-tokenizer over every Unicode scalar, each between two "a"s, hashed per
    /// block of 256 code points exactly as the fixture script hashes the reference's output.
    func testNormalizerAndPreTokenizerMatchReferenceOnEveryCodePoint() throws {
        let tokenizer = try tokenizer()
        let reference = try Fixtures.unicodeBlocks()
        XCTAssertEqual(reference.blocks.count, 0x110000 / reference.block)
        var bad: [String] = []
        for (block, expected) in reference.blocks.enumerated() {
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            func feed(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            for value in (block * reference.block)..<((block + 1) * reference.block) {
                guard let scalar = Unicode.Scalar(UInt32(value)) else { continue }  // surrogates
                let words = BertPreTokenizer.split(tokenizer.normalizer.normalize(["a", scalar, "a"]))
                for (w, word) in words.enumerated() {
                    if w > 0 { feed(1) }
                    for s in word { for byte in UTF8.encode(s)! { feed(byte) } }
                }
                feed(0)
            }
            if String(format: "%016llx", hash) != expected {
                bad.append(String(format: "U+%04X..U+%04X", block * reference.block, (block + 1) * reference.block - 1))
            }
        }
        XCTAssertEqual(bad, [], "blocks whose normalization or splitting differs from the reference")
    }
}
