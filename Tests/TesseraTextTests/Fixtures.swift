// Locating the parity fixtures and the installed encoder files from the tests.
//
// Fixtures: Tests/Fixtures/minilm/, written by `python3 scripts/fixtures/minilm.py`.
// Encoder: $TESSERA_HOME/text-encoders/all-MiniLM-L6-v2, installed by `make setup`
// (`bash scripts/setup.sh`); CI runs setup first. When it is missing the tests fail with
// that instruction rather than skip.

import Foundation
import TesseraText
import XCTest

enum Fixtures {
    /// `Tests/Fixtures/minilm`, found by walking up from this file to `Tests/`.
    static var directory: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" && url.path != "/" { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Fixtures").appendingPathComponent("minilm")
    }

    /// One prompt of `prompts.json`.
    struct Prompt: Decodable {
        let group: String
        let prompt: String
        let ids: [Int]
        let tokens: [String]
        let truncated: Bool
        let untruncatedLength: Int
        let rows: [Int]

        enum CodingKeys: String, CodingKey {
            case group, prompt, ids, tokens, truncated, rows
            case untruncatedLength = "untruncated_length"
        }
    }

    struct PromptFile: Decodable {
        let command: String
        let maxSeqLength: Int
        let prompts: [Prompt]

        enum CodingKeys: String, CodingKey {
            case command, prompts
            case maxSeqLength = "max_seq_length"
        }
    }

    struct UnicodeBlocks: Decodable {
        let block: Int
        let blocks: [String]
    }

    static func prompts() throws -> PromptFile {
        let url = directory.appendingPathComponent("prompts.json")
        return try JSONDecoder().decode(PromptFile.self, from: Data(contentsOf: url))
    }

    static func unicodeBlocks() throws -> UnicodeBlocks {
        let url = directory.appendingPathComponent("unicode_blocks.json")
        return try JSONDecoder().decode(UnicodeBlocks.self, from: Data(contentsOf: url))
    }

    /// The installed encoder folder; fails the test with the install command when absent.
    static func encoderDirectory(file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        let directory = TextEncoderFiles.defaultDirectory
        do {
            try TextEncoderFiles.check(directory)
        } catch {
            XCTFail("\(error) (the prompt encoder tests need it: run `make setup` first)", file: file, line: line)
            throw error
        }
        return directory
    }
}
