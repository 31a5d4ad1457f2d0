// Job files: .txt, .jsonl and YAML parsing, seeds, and each bad input as an error with file and line.

import Foundation
import TesseraJobs
import XCTest

final class JobFileTests: XCTestCase {
    func testErrorNamesFileAndLine() {
        XCTAssertEqual(JobError.invalid(path: "a.jsonl", line: 3, reason: "x").description, "a.jsonl:3: x")
    }
}
