// The default model that ships in models/tessera-shapes (trained by `training/recipes/cpu.sh`,
// exported by `python -m tessera_train.export`, its figures in models/tessera-shapes/README.md):
// it is complete and small, `tessera generate` uses it when no --model is given, and what it
// has learned shows in the pixels (the CPU-trained model draws the backgrounds right).

import Foundation
import TesseraMedia
import XCTest

final class DefaultModelTests: XCTestCase {
    var model: URL {
        CLITestSupport.testsFolder.deletingLastPathComponent().appendingPathComponent("models/tessera-shapes")
    }

    func testShippedModelIsCompleteSmallAndDocumented() throws {
        let files = ["model_index.json", "transformer/config.json", "transformer/diffusion_pytorch_model.safetensors",
                     "vae/config.json", "vae/diffusion_pytorch_model.safetensors", "scheduler/scheduler_config.json",
                     "text_encoder/tessera.json", "README.md"]
        var total = 0
        for name in files {
            let attributes = try FileManager.default.attributesOfItem(atPath: model.appendingPathComponent(name).path)
            total += (attributes[.size] as? Int) ?? 0
        }
        XCTAssertLessThanOrEqual(total, 60 << 20, "the shipped model must stay within 60 MiB")
        let card = try String(contentsOf: model.appendingPathComponent("README.md"), encoding: .utf8)
        for heading in ["## How it was trained", "## Evaluation", "## Limits"] {
            XCTAssertTrue(card.contains(heading), "model card lacks \(heading)")
        }
        XCTAssertFalse(card.contains("not measured yet"), "the model card must carry the Swift evaluation figures")
    }

    func testGenerateWithoutModelUsesTheShippedModelAndDrawsTheBackground() throws {
        try CLITestSupport.skipUnlessPromptEncoderInstalled()
        let out = try CLITestSupport.temporaryDirectory(self).appendingPathComponent("clip")
        // Default size, steps and guidance: the clip the evaluation scores.
        let run = try CLITestSupport.tessera(["generate", "a red ball bouncing on a grass field", "--seed", "1",
                                              "-o", out.path, "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let metadata = try JSONSerialization.jsonObject(
            with: Data(contentsOf: out.appendingPathComponent("metadata.json"))) as! [String: Any]
        let used = metadata["model"] as! [String: Any]
        XCTAssertEqual(used["name"] as? String, "tessera-shapes")
        XCTAssertEqual(URL(fileURLWithPath: used["path"] as! String).standardizedFileURL.path, model.standardizedFileURL.path)

        // Grass field: ground (70,150,60) below y = 0.72, a light blue sky above.
        for frame in ["00001.png", "00017.png", "00033.png"] {
            let image = try PNGFile.read(out.appendingPathComponent("frames").appendingPathComponent(frame)).image
            let ground = meanColour(image, rows: (image.height - 12)..<image.height)
            let sky = meanColour(image, rows: 0..<12)
            XCTAssertEqual(ground.r, 70, accuracy: 25, "\(frame) ground \(ground)")
            XCTAssertEqual(ground.g, 150, accuracy: 25, "\(frame) ground \(ground)")
            XCTAssertEqual(ground.b, 60, accuracy: 25, "\(frame) ground \(ground)")
            XCTAssertGreaterThan(sky.b, 200, "\(frame) sky \(sky)")
            XCTAssertGreaterThan(sky.b, sky.r + 40, "\(frame) sky \(sky)")
        }
    }

    func meanColour(_ image: RGBImage, rows: Range<Int>) -> (r: Double, g: Double, b: Double) {
        var sum = (0.0, 0.0, 0.0)
        for y in rows {
            for x in 0..<image.width {
                let (r, g, b) = image[x, y]
                sum = (sum.0 + Double(r), sum.1 + Double(g), sum.2 + Double(b))
            }
        }
        let n = Double(rows.count * image.width)
        return (sum.0 / n, sum.1 / n, sum.2 / n)
    }
}
