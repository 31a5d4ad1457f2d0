// WanVAEConfig: diffusers' `vae/config.json` keys, defaults, derived sizes, and the clear
// rejection of what this port does not run.
//
// Fixture: Tests/Fixtures/wan_vae/vae/config.json, written by
//     python3 scripts/fixtures/wan_vae.py

import Foundation
import TesseraAutoencoder
import XCTest

final class WanVAEConfigTests: XCTestCase {

    func testDecodesTheFixtureConfig() throws {
        let config = try WanVAEConfig.load(from: WanVAEFixtures.directory.appendingPathComponent("vae/config.json"))
        XCTAssertEqual(config.baseDim, 8)
        XCTAssertEqual(config.zDim, 4)
        XCTAssertEqual(config.dimMult, [1, 2, 2, 2])
        XCTAssertEqual(config.numResBlocks, 1)
        XCTAssertEqual(config.temperalDownsample, [false, true, true])
        XCTAssertEqual(config.temperalUpsample, [true, true, false])
        XCTAssertEqual(config.latentsMean.count, 4)
        XCTAssertNil(config.decoderBaseDim)
        XCTAssertEqual(config.decoderDim, 8)
        XCTAssertEqual(config.spatialCompression, 8)
        XCTAssertEqual(config.temporalCompression, 4)
        XCTAssertEqual(config.className, "AutoencoderKLWan")
    }

    func testDefaultsAreWan21() throws {
        let config = try JSONDecoder().decode(WanVAEConfig.self, from: Data("{}".utf8))
        XCTAssertEqual(config, WanVAEConfig())
        XCTAssertEqual(config.baseDim, 96)
        XCTAssertEqual(config.zDim, 16)
        XCTAssertEqual(config.dimMult, [1, 2, 4, 4])
        XCTAssertEqual(config.latentsStd.first, 2.8184)
        XCTAssertNoThrow(try config.validate())
    }

    func testFirstFrameRule() {
        // 4k+1 frames <-> k+1 latent frames: the first frame is encoded alone.
        let config = WanVAEConfig()
        XCTAssertEqual(config.latentFrames(forFrames: 1), 1)
        XCTAssertEqual(config.latentFrames(forFrames: 9), 3)
        XCTAssertEqual(config.latentFrames(forFrames: 33), 9)
        XCTAssertEqual(config.frames(forLatentFrames: 1), 1)
        XCTAssertEqual(config.frames(forLatentFrames: 9), 33)
        var twoStages = config
        twoStages.temperalDownsample = [false, false, true]
        XCTAssertEqual(twoStages.temporalCompression, 2)
        XCTAssertEqual(twoStages.frames(forLatentFrames: 5), 9)
    }

    func testRejectsWan22AndUnrunnableOptions() {
        func rejected(_ json: String, key: String, line: UInt = #line) {
            do {
                let config = try JSONDecoder().decode(WanVAEConfig.self, from: Data(json.utf8))
                try config.validate()
                XCTFail("\(json) accepted", line: line)
            } catch let error as WanVAEError {
                guard case .unsupportedConfig(let k, _, _) = error else {
                    return XCTFail("\(error)", line: line)
                }
                XCTAssertEqual(k, key, line: line)
                XCTAssertTrue(error.description.contains(key), line: line)
            } catch {
                XCTFail("\(error)", line: line)
            }
        }
        rejected(#"{"_class_name": "AutoencoderKL"}"#, key: "_class_name")
        rejected(#"{"is_residual": true}"#, key: "is_residual")
        rejected(#"{"patch_size": 2}"#, key: "patch_size")
        rejected(#"{"attn_scales": [0.5]}"#, key: "attn_scales")
        rejected(#"{"z_dim": 4}"#, key: "latents_mean")
        rejected(#"{"z_dim": 2, "latents_mean": [0, 0], "latents_std": [1, 0]}"#, key: "latents_std")
        rejected(#"{"temperal_downsample": [true]}"#, key: "temperal_downsample")
        rejected(#"{"dim_mult": [1, 2]}"#, key: "temperal_downsample")
        rejected(#"{"scale_factor_spatial": 16}"#, key: "scale_factor_spatial")
        rejected(#"{"scale_factor_temporal": 8}"#, key: "scale_factor_temporal")
    }

    func testUnreadableConfigNamesThePath() {
        let url = URL(fileURLWithPath: "/nonexistent/vae/config.json")
        XCTAssertThrowsError(try WanVAEConfig.load(from: url)) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/vae/config.json"), "\(error)")
        }
    }
}
