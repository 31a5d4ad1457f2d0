// Settings are validated before anything loads; each error names the nearest valid values.

import TesseraPipeline
import XCTest

final class GenerationRequestTests: XCTestCase {
    func message(_ change: (inout GenerationRequest) -> Void) -> String? {
        var r = GenerationRequest(prompt: "a red ball")
        change(&r)
        do { try r.validate(); return nil } catch { return "\(error)" }
    }

    func testDefaultsAreValid() {
        XCTAssertNil(message { _ in })
        let r = GenerationRequest(prompt: "x")
        XCTAssertEqual(r.latentShape(zDim: 16), [1, 16, 9, 16, 16])
        XCTAssertTrue(r.usesGuidance)
    }

    func testSizesNameNearestValidValues() {
        XCTAssertEqual(message { $0.width = 120 },
                       "invalid width: 120 is not a multiple of 16 between 16 and 4096; nearest valid: 112 or 128")
        XCTAssertEqual(message { $0.height = 8 },
                       "invalid height: 8 is not a multiple of 16 between 16 and 4096; nearest valid: 16")
        XCTAssertEqual(message { $0.frames = 32 },
                       "invalid frames: 32 is not 4k+1 (1, 5, 9, ... 33, ...); nearest valid: 29 or 33")
        XCTAssertEqual(message { $0.frames = 0 },
                       "invalid frames: 0 is not 4k+1 (1, 5, 9, ... 33, ...); nearest valid: 1")
        XCTAssertNil(message { $0.frames = 1 })
        XCTAssertNil(message { $0.width = 48; $0.height = 16; $0.frames = 5 })
    }

    func testStepsGuidanceShiftFPS() {
        XCTAssertEqual(message { $0.steps = 0 }, "invalid steps: 0; use 1 to 1000 (e.g. 30)")
        XCTAssertTrue(message { $0.guidance = -1 }?.hasPrefix("invalid guidance: -1.0; use 0 or more") == true)
        XCTAssertTrue(message { $0.guidance = .nan }?.hasPrefix("invalid guidance") == true)
        XCTAssertNil(message { $0.guidance = 0 })
        XCTAssertTrue(message { $0.shift = 0 }?.hasPrefix("invalid shift") == true)
        XCTAssertTrue(message { $0.fps = 0 }?.hasPrefix("invalid fps: 0") == true)
        XCTAssertTrue(message { $0.fps = 241 }?.hasPrefix("invalid fps: 241") == true)
    }

    func testGuidanceAtOrBelowOneRunsPromptOnly() {
        var r = GenerationRequest(prompt: "x", guidance: 1)
        XCTAssertFalse(r.usesGuidance)
        r.guidance = 1.5
        XCTAssertTrue(r.usesGuidance)
    }
}
