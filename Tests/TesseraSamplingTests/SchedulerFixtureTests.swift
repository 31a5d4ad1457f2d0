import XCTest
import TesseraSampling

final class SchedulerProtocolTests: XCTestCase {
    func testProtocolIsPublic() {
        // Replaced by fixture parity tests as the schedulers land.
        let names: [String] = []
        XCTAssertTrue(names.isEmpty)
    }
}
