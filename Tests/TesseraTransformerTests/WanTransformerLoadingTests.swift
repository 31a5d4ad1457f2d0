// Strict loading of Wan transformer checkpoints: every missing, unexpected or wrong-shape
// tensor is named in one error; half-precision checkpoints load converted to fp32.
//
// Checkpoints here are the parity fixture of `python3 scripts/fixtures/wan_transformer.py`
// (tiny_a), edited in memory.

import Foundation
import TesseraTensor
import TesseraTransformer
import TesseraWeights
import XCTest

final class WanTransformerLoadingTests: XCTestCase {
    private let folder = wanTransformerFixtures().appendingPathComponent("tiny_a/transformer")

    private func config() throws -> WanTransformerConfig {
        try WanTransformerConfig.load(from: folder.appendingPathComponent("config.json"))
    }

    /// The fixture checkpoint rewritten through `edit` (name → tensor; nil drops it).
    private func checkpoint(dtype: SafetensorsDType = .f32,
                            _ edit: (inout [String: Tensor]) -> Void = { _ in }) throws -> WeightStore {
        let file = try SafetensorsFile(url: folder.appendingPathComponent("diffusion_pytorch_model.safetensors"))
        var tensors: [String: Tensor] = [:]
        for name in file.names { tensors[name] = try file.tensor(name) }
        edit(&tensors)
        var writer = SafetensorsWriter()
        for (name, tensor) in tensors.sorted(by: { $0.key < $1.key }) { try writer.add(name, tensor, as: dtype) }
        return try WeightStore(files: [try SafetensorsFile(bytes: writer.serialized(), name: "edited.safetensors")],
                               source: "edited.safetensors")
    }

    private func loadError(_ store: WeightStore) throws -> WeightStoreError {
        do {
            _ = try WanTransformer(config: try config(), weights: store)
        } catch let error as WeightStoreError {
            return error
        }
        XCTFail("loading should have failed")
        throw XCTSkip("no error")
    }

    func testFixtureLoadsExactly() throws {
        let model = try WanTransformer(config: try config(), weights: try checkpoint())
        XCTAssertEqual(model.config.numLayers, 2)
    }

    func testMissingTensorIsNamed() throws {
        let error = try loadError(try checkpoint { $0["blocks.1.attn2.norm_k.weight"] = nil })
        XCTAssertEqual(error.missing, [.missing(key: "blocks.1.attn2.norm_k.weight", expectedShape: [48])])
        XCTAssertTrue(error.description.contains("blocks.1.attn2.norm_k.weight"), error.description)
    }

    func testUnexpectedTensorIsNamed() throws {
        let error = try loadError(try checkpoint { $0["blocks.0.attn2.add_k_proj.weight"] = Tensor(zeros: [48, 48]) })
        XCTAssertEqual(error.unexpected.count, 1)
        XCTAssertTrue(error.description.contains("blocks.0.attn2.add_k_proj.weight"), error.description)
    }

    func testWrongShapeIsNamed() throws {
        let error = try loadError(try checkpoint { $0["blocks.0.scale_shift_table"] = Tensor(zeros: [1, 2, 48]) })
        XCTAssertEqual(error.wrongShape.count, 1)
        XCTAssertTrue(error.description.contains("blocks.0.scale_shift_table"), error.description)
    }

    func testConfigThatDisagreesWithWeightsListsEveryProblem() throws {
        var config = try config()
        config.numLayers = 3
        config.crossAttnNorm = false
        do {
            _ = try WanTransformer(config: config, weights: try checkpoint())
            XCTFail("loading should have failed")
        } catch let error as WeightStoreError {
            // blocks.2.* is missing; blocks.{0,1}.norm2.{weight,bias} are unexpected.
            XCTAssertTrue(error.missing.contains(.missing(key: "blocks.2.ffn.net.2.weight", expectedShape: [48, 96])))
            XCTAssertEqual(error.unexpected.count, 4, error.report)
        }
    }

    /// f16 and bf16 checkpoints load (converted on load) and give the fp32 result within their precision.
    func testHalfPrecisionCheckpointsLoad() throws {
        let f = try SafetensorsFile(url: wanTransformerFixtures().appendingPathComponent("tiny_a/square_b2.safetensors"))
        let reference = try f.tensor("output")
        for dtype in [SafetensorsDType.f16, .bf16] {
            let model = try WanTransformer(config: try config(), weights: try checkpoint(dtype: dtype))
            let text = try model.prepareText(try f.tensor("encoder_hidden_states"))
            let output = try model.forward(try f.tensor("latents"), timestep: try f.floats("timestep"), text: text)
            assertClose(output, reference, relative: dtype == .f16 ? 2e-3 : 2e-2, "\(dtype) checkpoint")
        }
    }

    func testBadInputsAreRejected() throws {
        let model = try WanTransformer(config: try config(), weights: try checkpoint())
        let text = try model.prepareText(Tensor(zeros: [2, 5, 384]))
        XCTAssertThrowsError(try model.forward(Tensor(zeros: [2, 3, 3, 8, 8]), timestep: [1, 1], text: text)) {
            XCTAssertTrue("\($0)".contains("(B, 4, F, H, W)"), "\($0)")
        }
        XCTAssertThrowsError(try model.forward(Tensor(zeros: [2, 4, 3, 7, 8]), timestep: [1, 1], text: text)) {
            XCTAssertTrue("\($0)".contains("divisible"), "\($0)")
        }
        XCTAssertThrowsError(try model.forward(Tensor(zeros: [2, 4, 3, 8, 8]), timestep: [1], text: text)) {
            XCTAssertEqual($0 as? WanTransformerError, .timestepCount(found: 1, batch: 2))
        }
        XCTAssertThrowsError(try model.forward(Tensor(zeros: [1, 4, 3, 8, 8]), timestep: [1], text: text)) {
            XCTAssertEqual($0 as? WanTransformerError, .textBatch(found: 2, batch: 1))
        }
        XCTAssertThrowsError(try model.prepareText(Tensor(zeros: [2, 5, 100]))) {
            XCTAssertTrue("\($0)".contains("384"), "\($0)")
        }
        XCTAssertThrowsError(try model.prepareText(sequences: [Tensor(zeros: [9, 384])], paddedLength: 4)) {
            XCTAssertTrue("\($0)".contains("padded length 4"), "\($0)")
        }
    }

    func testMissingFolderNamesPath() {
        let missing = URL(fileURLWithPath: "/nonexistent/model/transformer")
        XCTAssertThrowsError(try WanTransformer.load(folder: missing)) {
            XCTAssertTrue("\($0)".contains("/nonexistent/model/transformer"), "\($0)")
        }
    }
}
