// Clip metrics on clips with known content, expected values in closed form.

import Foundation
import TesseraMedia
import XCTest

final class ClipMetricsTests: XCTestCase {
    func testStaticClipHasZeroFlickerAndMotion() {
        let frame = MediaTestSupport.movingGradient(width: 32, height: 24, frames: 1)[0]
        let metrics = ClipMetrics([frame, frame, frame, frame])
        XCTAssertNil(metrics.frames[0].flicker)
        XCTAssertNil(metrics.frames[0].motionEnergy)
        for f in metrics.frames.dropFirst() {
            XCTAssertEqual(f.flicker, 0)
            XCTAssertEqual(f.motionEnergy, 0)
        }
        XCTAssertEqual(metrics.meanFlicker, 0)
        XCTAssertEqual(metrics.flickerScore, 1)
        XCTAssertGreaterThan(metrics.meanSharpness, 0)
    }

    /// Grey 10 then 30 alternately: |Δ| = 20 in every channel, Δluma² = 400.
    func testAlternatingClipHasKnownFlicker() {
        let dark = RGBImage(width: 8, height: 8, red: 10, green: 10, blue: 10)
        let light = RGBImage(width: 8, height: 8, red: 30, green: 30, blue: 30)
        let metrics = ClipMetrics([dark, light, dark])
        XCTAssertEqual(metrics.frames[1].flicker, 20)
        XCTAssertEqual(metrics.frames[2].flicker, 20)
        XCTAssertEqual(metrics.frames[1].motionEnergy ?? 0, 400, accuracy: 1e-9)
        XCTAssertEqual(metrics.flickerScore, (255 - 20) / 255, accuracy: 1e-12)
        XCTAssertEqual(metrics.meanSharpness, 0, "flat frames have no edges")
    }

    /// A 0/255 checkerboard: at every interior pixel the 4 neighbours are the opposite colour,
    /// so the Laplacian is ±4·255 = ±1020 with mean 0: variance 1020² = 1,040,400.
    /// A linear ramp has a zero Laplacian everywhere: variance 0.
    func testKnownPatternsGiveKnownLaplacianVariance() {
        var board = RGBImage(width: 12, height: 10)
        for y in 0..<10 { for x in 0..<12 { let v: UInt8 = (x + y) % 2 == 0 ? 255 : 0; board[x, y] = (v, v, v) } }
        XCTAssertEqual(FrameMetrics(board, index: 0).sharpness, 1020 * 1020, accuracy: 1e-6)
        var ramp = RGBImage(width: 12, height: 10)
        for y in 0..<10 { for x in 0..<12 { let v = UInt8(10 * x + 5 * y); ramp[x, y] = (v, v, v) } }
        XCTAssertEqual(FrameMetrics(ramp, index: 0).sharpness, 0, accuracy: 1e-9)
        // A single bright pixel in a 5x5 black frame: interior Laplacians are -4·255 at the
        // centre, 255 at its 4 neighbours, 0 at the other 4 of the 3x3 interior.
        var dot = RGBImage(width: 5, height: 5)
        dot[2, 2] = (255, 255, 255)
        let values: [Double] = [-1020, 255, 255, 255, 255, 0, 0, 0, 0]
        let mean = values.reduce(0, +) / 9
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 9
        XCTAssertEqual(FrameMetrics(dot, index: 0).sharpness, variance, accuracy: 1e-6)
    }

    func testInspectionCarriesMetricsAndJSONSummary() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let clip = MediaTestSupport.movingSquares(width: 32, height: 24, frames: 3)
        for (i, f) in clip.enumerated() {
            try PNGFile.write(f, to: dir.appendingPathComponent(FrameSequence.fileName(forIndex: i)))
        }
        let (report, _) = try ClipInspection.inspect(dir)
        let metrics = try XCTUnwrap(report.metrics)
        XCTAssertEqual(metrics, ClipMetrics(clip))
        XCTAssertEqual(metrics.frames.count, 3)
        XCTAssertGreaterThan(metrics.meanFlicker, 0, "the squares move")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as! [String: Any]
        let summary = (json["metrics"] as! [String: Any])["summary"] as! [String: Any]
        XCTAssertEqual(summary["flicker_mean"] as? Double ?? -1, metrics.meanFlicker, accuracy: 1e-12)
        XCTAssertNotNil(summary["vbench_flicker_score"])
        XCTAssertNotNil(summary["sharpness_mean"])
    }
}
