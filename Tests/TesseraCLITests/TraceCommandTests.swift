// `tessera generate --trace --save-latents` then `tessera inspect OUTDIR --steps` and `--latents`, on the
// tiny fixture model (`python3 scripts/fixtures/wan_pipeline.py` -> Tests/Fixtures/wan_pipeline/model).

import Foundation
import TesseraMedia
import XCTest

final class TraceCommandTests: XCTestCase {
    func testGenerateTraceThenInspectSteps() throws {
        try CLITestSupport.skipUnlessPromptEncoderInstalled()
        let model = CLITestSupport.testsFolder.appendingPathComponent("Fixtures/wan_pipeline/model")
        let dir = try CLITestSupport.temporaryDirectory(self)
        let out = dir.appendingPathComponent("gen")
        let generated = try CLITestSupport.tessera([
            "generate", "a red ball bouncing", "--model", model.path, "--width", "32", "--height", "32", "--frames", "9",
            "--steps", "3", "--seed", "5", "-o", out.path, "--trace", "--save-latents", "--quiet"])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let names = CLITestSupport.contents(out)
        XCTAssertTrue(names.contains("trace.safetensors") && names.contains("latents.safetensors"), "\(names)")

        let steps = try CLITestSupport.tessera(["inspect", out.path, "--steps"])
        XCTAssertEqual(steps.status, 0, steps.stderr)
        XCTAssertTrue(steps.stdout.contains("3 steps x 9 frames"), steps.stdout)
        let grid = try PNGFile.read(out.appendingPathComponent("trace/steps.png")).image
        XCTAssertEqual(grid.width, 9 * 32 + 10 * 2)
        XCTAssertEqual(grid.height, 3 * 32 + 4 * 2)
        let again = try CLITestSupport.tessera(["inspect", out.path, "--steps"])
        XCTAssertNotEqual(again.status, 0, "an existing grid is not replaced without --overwrite")
        XCTAssertTrue(again.stderr.contains("--overwrite"), again.stderr)

        // The saved latents as principal components: the fixture's VAE has 4 latent channels;
        // 9 frames of 32x32 are 3 latent frames of 4x4, drawn 128 px wide.
        let latents = try CLITestSupport.tessera(["inspect", out.path, "--latents"])
        XCTAssertEqual(latents.status, 0, latents.stderr)
        XCTAssertTrue(latents.stdout.contains("4 channels x 3 frames of 4x4"), latents.stdout)
        let pca = try PNGFile.read(out.appendingPathComponent("latents/pca.png")).image
        XCTAssertEqual(pca.width, 3 * 128 + 4 * 2)
        XCTAssertEqual(pca.height, 128 + 2 * 2)

        // The pictures do not change what `inspect OUTDIR` reads: still the clip, 9 frames.
        let report = try CLITestSupport.tessera(["inspect", out.path, "--json"])
        XCTAssertEqual(report.status, 0, report.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((json["frames"] as? [Any])?.count, 9)
        XCTAssertEqual(((json["metrics"] as? [String: Any])?["frames"] as? [Any])?.count, 9)

        let missing = try CLITestSupport.tessera(["inspect", dir.path, "--steps"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("--trace"), missing.stderr)
    }
}
