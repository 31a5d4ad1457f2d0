// Strict loading of the Wan VAE: every missing, unexpected or wrong-shape tensor is reported.
//
// Fixture: Tests/Fixtures/wan_vae/vae/, written by
//     python3 scripts/fixtures/wan_vae.py

import Foundation
import TesseraAutoencoder
import TesseraTensor
import TesseraWeights
import XCTest

final class WanVAELoadingTests: XCTestCase {
    let vaeFolder = WanVAEFixtures.directory.appendingPathComponent("vae")

    /// The fixture checkpoint rewritten with `edit` applied to its (name, tensor) list.
    func checkpoint(as dtype: SafetensorsDType = .f32, _ edit: (inout [(String, Tensor)]) -> Void) throws -> WeightStore {
        let file = try SafetensorsFile(url: vaeFolder.appendingPathComponent("diffusion_pytorch_model.safetensors"))
        var tensors = try file.names.map { ($0, try file.tensor($0)) }
        edit(&tensors)
        var writer = SafetensorsWriter()
        for (name, tensor) in tensors { try writer.add(name, tensor, as: dtype) }
        return try WeightStore(files: [SafetensorsFile(bytes: writer.serialized(), name: "edited.safetensors")],
                               source: "edited.safetensors")
    }

    func config() throws -> WanVAEConfig {
        try WanVAEConfig.load(from: vaeFolder.appendingPathComponent("config.json"))
    }

    func testFixtureLoadsCleanly() throws {
        XCTAssertNoThrow(try WanVAE(config: config(), weights: checkpoint { _ in }))
    }

    func testHalfPrecisionCheckpointsLoadAndDecode() throws {
        // Shipped models store fp16 or bf16 weights; they are widened to fp32 on load.
        let io = try SafetensorsFile(url: WanVAEFixtures.directory.appendingPathComponent("io.safetensors"))
        let latents = try io.tensor("latents3"), expected = try io.tensor("decoded3")
        for dtype in [SafetensorsDType.f16, .bf16] {
            let vae = try WanVAE(config: config(), weights: checkpoint(as: dtype) { _ in })
            let video = try vae.decode(latents)
            let db = WanVAEParityTests.psnr(video, expected, range: 2)
            // Rounding the weights costs accuracy (measured: f16 69 dB, bf16 51 dB), not the clip.
            XCTAssertGreaterThan(db, dtype == .f16 ? 60 : 40, "\(dtype): \(db) dB")
            XCTAssertLessThan(db, 100, "\(dtype): weights were not rounded")
        }
    }

    func testMissingUnexpectedAndWrongShapeAreAllListed() throws {
        let store = try checkpoint { tensors in
            tensors.removeAll { $0.0 == "decoder.up_blocks.1.upsamplers.0.time_conv.bias" }
            tensors.append(("decoder.extra.weight", Tensor(zeros: [2])))
            if let i = tensors.firstIndex(where: { $0.0 == "encoder.conv_in.weight" }) {
                tensors[i].1 = Tensor(zeros: [8, 3, 3, 3])
            }
        }
        XCTAssertThrowsError(try WanVAE(config: config(), weights: store)) { error in
            guard let error = error as? WeightStoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.missing, [.missing(key: "decoder.up_blocks.1.upsamplers.0.time_conv.bias",
                                                    expectedShape: [32])])
            XCTAssertEqual(error.unexpected.count, 1)
            XCTAssertEqual(error.wrongShape, [.wrongShape(key: "encoder.conv_in.weight", expected: [8, 3, 3, 3, 3],
                                                          found: [8, 3, 3, 3], file: "edited.safetensors")])
            XCTAssertTrue(error.description.contains("decoder.extra.weight"), error.description)
        }
    }

    func testConfigThatDisagreesWithTheWeightsIsAnError() throws {
        var wider = try config()
        wider.baseDim = 12
        XCTAssertThrowsError(try WanVAE(config: wider, weights: checkpoint { _ in })) { error in
            XCTAssertTrue(error is WeightStoreError, "\(error)")
        }
    }

    func testWan22ConfigIsRejectedBeforeLoading() throws {
        var residual = try config()
        residual.isResidual = true
        XCTAssertThrowsError(try WanVAE(config: residual, weights: checkpoint { _ in })) { error in
            XCTAssertTrue("\(error)".contains("is_residual"), "\(error)")
        }
    }
}
