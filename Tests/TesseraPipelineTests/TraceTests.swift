// Denoising traces and saved latents, end to end on the fixture model: `trace.safetensors`
// holds one predicted x0 per step, the last of which is the final latents for Euler; the
// steps x frames grid has the right cells, and its last row is the clip itself.
// Fixture: `python3 scripts/fixtures/wan_pipeline.py` -> Tests/Fixtures/wan_pipeline/model.

import Foundation
import TesseraMedia
import TesseraPipeline
import TesseraSampling
import TesseraTensor
import TesseraText
import TesseraWeights
import XCTest

final class TraceTests: XCTestCase {
    let model = Fixtures.url("wan_pipeline", "model")

    func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-trace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testTraceAndLatentsFilesAndStepsGrid() throws {
        try XCTSkipUnless(
            FileManager.default.fileExists(atPath: PromptEncoder.defaultDirectory.appendingPathComponent("model.safetensors").path),
            "all-MiniLM-L6-v2 not installed (make setup)")
        let request = GenerationRequest(prompt: "a red ball bounces on a blue floor", seed: 7, steps: 3, guidance: 1,
                                        sampler: .euler, width: 32, height: 32, frames: 9, fps: 8)
        let out = try scratch().appendingPathComponent("clip")
        var job = TextToVideoJob(request: request, model: model, output: out,
                                 options: ClipOutputOptions(format: .mp4, writeFrames: true), software: "tessera test")
        job.trace = true
        job.saveLatents = true
        let result = try job.run()
        XCTAssertTrue(result.metadata.files.contains(DenoisingTrace.fileName))
        XCTAssertTrue(result.metadata.files.contains(LatentsFile.fileName))

        // One predicted x0 per step, in the latent shape without the batch axis.
        let (trace, metadata) = try DenoisingTrace.load(out.appendingPathComponent(DenoisingTrace.fileName))
        XCTAssertEqual(metadata["format"], DenoisingTrace.format)
        XCTAssertEqual(metadata["model"], model.path)
        XCTAssertEqual(trace.stepCount, 3)
        let latentShape = try XCTUnwrap(SafetensorsFile(url: out.appendingPathComponent(LatentsFile.fileName)).entry("latents")).shape
        XCTAssertEqual(latentShape.count, 5)
        XCTAssertEqual(latentShape[2], 3, "9 frames are 3 latent frames")
        XCTAssertEqual(trace.predictedClean.shape, [3] + latentShape.dropFirst())
        XCTAssertEqual(trace.sigmas.count, 3)
        XCTAssertEqual(trace.sigmas, trace.sigmas.sorted(by: >), "noise levels fall step by step")

        // Euler's last step goes to sigma 0: x_final = x − σ·v, which is exactly that step's x0.
        let final = try SafetensorsFile(url: out.appendingPathComponent(LatentsFile.fileName)).floats("latents")
        let last = trace.latents(step: 2).data
        XCTAssertEqual(final.count, last.count)
        let scale = max(final.map(abs).max() ?? 1, 1e-6)
        let worst = zip(final, last).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 1e-5 * scale)
        // The first step's prediction differs from the final latents (the trace is not one x0 repeated).
        XCTAssertGreaterThan(zip(final, trace.latents(step: 0).data).map { abs($0 - $1) }.max() ?? 0, 1e-3 * scale)

        // The grid: steps x frames cells of the frame size, 2 px apart.
        let (grid, steps, frames) = try DenoisingTrace.grid(outputFolder: out)
        XCTAssertEqual(steps, 3)
        XCTAssertEqual(frames, 9)
        XCTAssertEqual(grid.width, 9 * 32 + 10 * 2)
        XCTAssertEqual(grid.height, 3 * 32 + 4 * 2)
        // The last row decodes the final latents: it is the clip's frames, below the labels.
        let labelRows = DigitFont.size(of: "3/3", scale: 1).height + 1
        for t in [0, 4, 8] {
            let png = try PNGFile.read(out.appendingPathComponent("frames").appendingPathComponent(FrameSequence.fileName(forIndex: t))).image
            let cell = grid.cropped(x: 2 + t * 34, y: 2 + 2 * 34 + labelRows, width: 32, height: 32 - labelRows)
            let expected = png.cropped(x: 0, y: labelRows, width: 32, height: 32 - labelRows)
            XCTAssertGreaterThanOrEqual(FrameDiff.psnr(cell, expected), 45, "frame \(t)")
        }

        // Saved latents are valid --noise input for the same shape.
        XCTAssertNoThrow(try NoiseFile.load(out.appendingPathComponent(LatentsFile.fileName), shape: latentShape))
    }

    func testTraceFileRoundTripAndMissingTraceError() throws {
        let dir = try scratch()
        let x0 = Tensor(shape: [2, 4, 1, 2, 2], data: (0..<32).map { Float($0) / 7 })
        let trace = DenoisingTrace(predictedClean: x0, sigmas: [1, 0.5], timesteps: [1000, 500])
        let url = dir.appendingPathComponent(DenoisingTrace.fileName)
        try trace.write(to: url, metadata: ["model": "/m"])
        let (back, metadata) = try DenoisingTrace.load(url)
        XCTAssertEqual(back.predictedClean.shape, x0.shape)
        XCTAssertEqual(back.predictedClean.data, x0.data)
        XCTAssertEqual(back.sigmas, [1, 0.5])
        XCTAssertEqual(back.timesteps, [1000, 500])
        XCTAssertEqual(metadata["model"], "/m")
        XCTAssertEqual(back.latents(step: 1).shape, [1, 4, 1, 2, 2])
        XCTAssertEqual(back.latents(step: 1).data, Array(x0.data[16..<32]))

        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertThrowsError(try DenoisingTrace.grid(outputFolder: empty)) { error in
            XCTAssertTrue("\(error)".contains("--trace"), "\(error)")
        }
    }

    func testGridGeometry() {
        let frames = (0..<4).map { s in (0..<5).map { t in RGBImage(width: 16, height: 8, red: UInt8(s * 60), green: UInt8(t * 50)) } }
        let grid = DenoisingTrace.grid(frames)
        XCTAssertEqual(grid.width, 5 * 16 + 6 * 2)
        XCTAssertEqual(grid.height, 4 * 8 + 5 * 2)
        // Cell (step 2, frame 3), bottom-right pixel (away from the label): that frame's colour.
        XCTAssertTrue(grid[2 + 3 * 18 + 15, 2 + 2 * 10 + 7] == (120, 150, 0))
    }
}
