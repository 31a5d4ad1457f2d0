// PSNR and SSIM on clips with known content: expected values computed here in closed form,
// independently of FrameDiff's kernels.

import Foundation
import TesseraMedia
import XCTest

final class FrameDiffTests: XCTestCase {
    /// A horizontal ramp whose value at column x is `slope * (x + offset)` in every channel.
    private func ramp(width: Int, height: Int, slope: Int, offset: Int = 0) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        for y in 0..<height { for x in 0..<width { let v = UInt8(slope * (x + offset)); image[x, y] = (v, v, v) } }
        return image
    }

    func testIdenticalClipHasInfinitePSNRAndSSIMOne() throws {
        let clip = MediaTestSupport.movingGradient(width: 40, height: 24, frames: 3)
        let result = try FrameDiff.compare(clip, clip)
        XCTAssertTrue(result.identical)
        XCTAssertEqual(result.frames.count, 3)
        for f in result.frames {
            XCTAssertEqual(f.meanSquaredError, 0)
            XCTAssertEqual(f.psnr, .infinity)
            XCTAssertEqual(f.ssim, 1, accuracy: 1e-12)
        }
        XCTAssertEqual(result.meanPSNR, .infinity)
        XCTAssertEqual(result.minSSIM, 1, accuracy: 1e-12)
        // JSON has no infinity: identical frames carry psnr null and the summary says identical.
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(result)) as! [String: Any]
        let summary = json["summary"] as! [String: Any]
        XCTAssertEqual(summary["identical"] as? Bool, true)
        XCTAssertTrue(summary["psnr_min"] is NSNull || summary["psnr_min"] == nil)
        let frame0 = (json["frames"] as! [[String: Any]])[0]
        XCTAssertTrue(frame0["psnr"] is NSNull)
        XCTAssertEqual(frame0["ssim"] as? Double ?? 0, 1, accuracy: 1e-12)
    }

    /// A ramp shifted by one column differs by the slope at every pixel: MSE = slope².
    func testKnownShiftGivesExpectedPSNR() throws {
        let a = ramp(width: 48, height: 16, slope: 4), b = ramp(width: 48, height: 16, slope: 4, offset: 1)
        let expected = 10 * log10(255.0 * 255.0 / 16.0)  // 36.0896 dB
        XCTAssertEqual(FrameDiff.psnr(a, b), expected, accuracy: 1e-9)
        XCTAssertEqual(expected, 36.0896, accuracy: 1e-4)
        // Stripes of period 2 shifted by one pixel: every sample differs by 255, PSNR 0 dB.
        var stripes = RGBImage(width: 16, height: 16), shifted = stripes
        for y in 0..<16 { for x in 0..<16 {
            let v: UInt8 = x % 2 == 0 ? 255 : 0
            stripes[x, y] = (v, v, v); shifted[x, y] = (255 - v, 255 - v, 255 - v)
        } }
        XCTAssertEqual(FrameDiff.psnr(stripes, shifted), 0, accuracy: 1e-12)
        // A uniform brightness offset changes only the means: SSIM keeps the structure term at 1
        // and its luminance term is (2ab + C1) / (a² + b² + C1) for the local means a, b.
        XCTAssertLessThan(FrameDiff.ssim(a, b), 1)
    }

    /// ±d noise in a fixed pattern: MSE = d², PSNR = 10·log10(255²/d²).
    func testKnownNoiseGivesExpectedPSNR() throws {
        let clean = MediaTestSupport.movingGradient(width: 32, height: 32, frames: 2)
        var noisy = clean
        let d = 6
        var squared = 0.0, count = 0.0
        for t in noisy.indices {
            for i in noisy[t].pixels.indices {
                let v = Int(noisy[t].pixels[i]), sign = (i * 7 + t * 3) % 2 == 0 ? 1 : -1
                let n = min(255, max(0, v + sign * d))
                noisy[t].pixels[i] = UInt8(n)
                squared += Double((n - v) * (n - v)); count += 1
            }
        }
        XCTAssertEqual(squared / count, Double(d * d), "the gradient stays inside [6, 249], so no noise is clipped")
        let result = try FrameDiff.compare(clean, noisy)
        let expected = 10 * log10(255.0 * 255.0 / Double(d * d))  // 32.56 dB
        for f in result.frames { XCTAssertEqual(f.psnr, expected, accuracy: 1e-9) }
        XCTAssertEqual(result.meanPSNR, expected, accuracy: 1e-9)
        XCTAssertLessThan(result.meanSSIM, 1)
        XCTAssertGreaterThan(result.meanSSIM, 0)
    }

    /// Two flat frames: variances and covariance vanish, so SSIM is the luminance term alone,
    /// (2ab + C1) / (a² + b² + C1) with C1 = (0.01·255)².
    func testSSIMOfFlatFramesIsTheLuminanceTerm() {
        let a = RGBImage(width: 20, height: 20, red: 100, green: 100, blue: 100)
        let b = RGBImage(width: 20, height: 20, red: 140, green: 140, blue: 140)
        let c1: Double = (0.01 * 255) * (0.01 * 255)
        // Luma of a grey pixel is the grey value (BT.601 weights sum to 1), up to rounding.
        let a0: Double = 100, b0: Double = 140
        let expected: Double = (2 * a0 * b0 + c1) / (a0 * a0 + b0 * b0 + c1)
        XCTAssertEqual(FrameDiff.ssim(a, b), expected, accuracy: 1e-9)
        XCTAssertEqual(FrameDiff.ssim(a, b), FrameDiff.ssim(b, a), accuracy: 1e-12)
    }

    func testGaussianWindowIsNormalisedAndSymmetric() {
        let w = FrameDiff.gaussianWindow(size: 11, sigma: 1.5)
        XCTAssertEqual(w.count, 11)
        XCTAssertEqual(w.reduce(0, +), 1, accuracy: 1e-12)
        for i in 0..<5 { XCTAssertEqual(w[i], w[10 - i], accuracy: 1e-15) }
        XCTAssertEqual(w[5] / w[4], exp(1 / (2 * 1.5 * 1.5)), accuracy: 1e-12)
    }

    func testMismatchedClipsAreClearErrors() {
        let a = MediaTestSupport.movingGradient(width: 16, height: 16, frames: 3)
        XCTAssertThrowsError(try FrameDiff.compare(a, Array(a.prefix(2)), pathA: "a.mp4", pathB: "b.mp4")) { error in
            XCTAssertTrue("\(error)".contains("3 frames vs 2 frames"), "\(error)")
            XCTAssertTrue("\(error)".contains("a.mp4"), "\(error)")
        }
        let b = MediaTestSupport.movingGradient(width: 16, height: 8, frames: 3)
        XCTAssertThrowsError(try FrameDiff.compare(a, b)) { error in
            XCTAssertTrue("\(error)".contains("16x16 vs 16x8"), "\(error)")
        }
    }

    func testCompareReadsFrameFolders() throws {
        let dir = try MediaTestSupport.temporaryDirectory(self)
        let clip = MediaTestSupport.movingGradient(width: 24, height: 16, frames: 2)
        for (i, f) in clip.enumerated() {
            try PNGFile.write(f, to: dir.appendingPathComponent(FrameSequence.fileName(forIndex: i)))
        }
        let result = try FrameDiff.compare(dir, dir)
        XCTAssertTrue(result.identical)
        XCTAssertEqual(result.width, 24)
        XCTAssertEqual(result.height, 16)
    }
}
