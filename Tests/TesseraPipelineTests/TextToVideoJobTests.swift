// `tessera generate`'s library half end to end on the fixture model: the output folder, its
// metadata, the PNG chunks and the video; errors before anything loads; nothing left behind
// by a failed or cancelled run.
// Fixture: `python3 scripts/fixtures/wan_pipeline.py` -> Tests/Fixtures/wan_pipeline/model.

import Foundation
import TesseraMedia
import TesseraPipeline
import TesseraText
import TesseraWeights
import XCTest

final class TextToVideoJobTests: XCTestCase {
    let model = Fixtures.url("wan_pipeline", "model")
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-job-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func requireEncoder() throws {
        try XCTSkipUnless(
            FileManager.default.fileExists(atPath: PromptEncoder.defaultDirectory.appendingPathComponent("model.safetensors").path),
            "all-MiniLM-L6-v2 not installed (make setup)")
    }

    func job(_ request: GenerationRequest, output: String = "clip", format: VideoFormat = .mp4, frames: Bool = true) -> TextToVideoJob {
        TextToVideoJob(request: request, model: model, output: scratch.appendingPathComponent(output),
                       options: ClipOutputOptions(format: format, writeFrames: frames), software: "tessera test")
    }

    var small: GenerationRequest {
        GenerationRequest(prompt: "a red ball bounces on a blue floor", negativePrompt: "blurry", seed: 42, steps: 3,
                          guidance: 5, width: 32, height: 32, frames: 9, fps: 8)
    }

    func listing() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []).sorted()
    }

    func testWritesClipFramesAndMetadata() throws {
        try requireEncoder()
        let result = try job(small).run()
        XCTAssertEqual(listing(), ["clip"])
        let folder = result.folder
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("frames").path).sorted()
        XCTAssertEqual(files, (1...9).map { String(format: "%05d.png", $0) })

        // metadata.json: the settings, the model's identity, the machine, the timings.
        let data = try Data(contentsOf: folder.appendingPathComponent("metadata.json"))
        let m = try JSONDecoder().decode(ClipMetadata.self, from: data)
        XCTAssertEqual(m, result.metadata)
        XCTAssertEqual(m.prompt, small.prompt)
        XCTAssertEqual(m.negativePrompt, "blurry")
        XCTAssertEqual([m.seed, UInt64(m.steps), UInt64(m.width), UInt64(m.height), UInt64(m.frames), UInt64(m.fps)], [42, 3, 32, 32, 9, 8])
        XCTAssertEqual(m.guidance, 5)
        XCTAssertEqual(m.shift, 3)
        XCTAssertEqual(m.sampler, "unipc")
        XCTAssertEqual(m.noise, "seed")
        XCTAssertEqual(m.model.name, "model")
        XCTAssertEqual(m.model.sha256, try ModelFolder(url: model).weightsSHA256())
        XCTAssertEqual(m.tessera.version, "tessera test")
        XCTAssertGreaterThan(m.tessera.threads, 0)
        XCTAssertFalse(m.tessera.blasKernel.isEmpty)
        XCTAssertEqual(Set(m.seconds.keys), ["load", "encode", "denoise", "decode", "write", "total"])
        let stages = ["load", "encode", "denoise", "decode", "write"].map { m.seconds[$0]! }
        XCTAssertLessThanOrEqual(stages.reduce(0, +), m.seconds["total"]! + 0.01)  // stages do not overlap
        XCTAssertGreaterThan(m.peakMemoryBytes, 10_000_000)
        XCTAssertEqual(m.files.count, 11)
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        for key in ["negative_prompt", "peak_memory_bytes", "seconds_per_step", "estimated_memory_bytes"] {
            XCTAssertNotNil(json[key], key)
        }

        // Frames carry A1111's parameters chunk, which parses back to the settings.
        let (frame, text) = try PNGFile.read(folder.appendingPathComponent("frames/00005.png"))
        XCTAssertEqual(frame.width, 32)
        let parameters = try XCTUnwrap(text["parameters"].flatMap(GenerationParameters.init(a1111Text:)))
        XCTAssertEqual(parameters.prompt, small.prompt)
        XCTAssertEqual(parameters.negativePrompt, "blurry")
        XCTAssertEqual(parameters.seed, 42)
        XCTAssertEqual(parameters.sampler, "unipc")
        XCTAssertEqual(parameters.modelHash, String(m.model.sha256.prefix(10)))
        XCTAssertEqual(text["ai_generated"], "true")

        // The video: 9 frames at 8 fps, the parameters in its comment tag.
        let info = try VideoReader.probe(folder.appendingPathComponent("clip.mp4"))
        XCTAssertEqual(info.frameCount, 9)
        XCTAssertEqual(info.width, 32)
        XCTAssertEqual(info.generationParameters?.seed, 42)
    }

    func testSameSeedSameFramesAndGIFWithoutFrames() throws {
        try requireEncoder()
        let a = try job(small, output: "a").run()
        let b = try job(small, output: "b", format: .gif, frames: false).run()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: b.folder.path).sorted(), ["clip.gif", "metadata.json"])
        let first = try PNGFile.read(a.folder.appendingPathComponent("frames/00001.png")).image
        let again = try job(small, output: "c").run()
        XCTAssertEqual(try PNGFile.read(again.folder.appendingPathComponent("frames/00001.png")).image, first)
    }

    func testBadSettingsFailBeforeTheModelLoads() {
        var r = small
        r.width = 40
        // The model path does not exist either: the size error comes first.
        let bad = TextToVideoJob(request: r, model: scratch.appendingPathComponent("missing"),
                                 output: scratch.appendingPathComponent("clip"), software: "t")
        XCTAssertThrowsError(try bad.run()) { error in
            XCTAssertEqual("\(error)", "invalid width: 40 is not a multiple of 16 between 16 and 4096; nearest valid: 32 or 48")
        }
        r = small
        let missing = TextToVideoJob(request: r, model: scratch.appendingPathComponent("missing"),
                                     output: scratch.appendingPathComponent("clip"), software: "t")
        XCTAssertThrowsError(try missing.run()) { error in
            XCTAssertTrue("\(error)".hasPrefix("model folder not found"), "\(error)")
        }
        XCTAssertEqual(listing(), [])
    }

    func testExistingOutputIsRefusedBeforeLoading() throws {
        let out = scratch.appendingPathComponent("clip")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: out.appendingPathComponent("mine.txt"))
        XCTAssertThrowsError(try job(small).run()) { error in
            XCTAssertTrue("\(error)".contains("already exists"), "\(error)")
        }
        XCTAssertEqual(listing(), ["clip"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), ["mine.txt"])
    }

    func testCancelledRunLeavesNothing() throws {
        try requireEncoder()
        var sawPartial = false
        XCTAssertThrowsError(try job(small).run(progress: { event in
            if event.stage == .denoise, event.completed == 2 {
                sawPartial = self.listing().contains { $0.hasPrefix(".clip.partial-") }
                return false
            }
            return true
        })) { error in
            XCTAssertEqual(error as? PipelineError, .cancelled(stage: "denoise"))
        }
        XCTAssertTrue(sawPartial)
        XCTAssertEqual(listing(), [])
        // Cancelled while writing frames: same.
        XCTAssertThrowsError(try job(small).run(progress: { $0.stage != .write || $0.completed < 5 }))
        XCTAssertEqual(listing(), [])
    }

    func testNoiseFile() throws {
        try requireEncoder()
        // The fixture holds the run's initial noise under another name; write it as 'noise'.
        let expected = try TesseraWeights.SafetensorsFile(url: Fixtures.url("wan_pipeline", "expected.safetensors"))
        var writer = TesseraWeights.SafetensorsWriter()
        try writer.add("noise", try expected.tensor("unipc_cfg.noise"))
        let noiseURL = scratch.appendingPathComponent("noise.safetensors")
        try writer.write(to: noiseURL)
        var withNoise = job(small, output: "n")
        withNoise.request.seed = 1234
        withNoise.noiseFile = noiseURL
        let given = try withNoise.run()
        XCTAssertEqual(given.metadata.noise, noiseURL.path)
        let seeded = try job(small, output: "s").run()
        XCTAssertEqual(try PNGFile.read(given.folder.appendingPathComponent("frames/00009.png")).image,
                       try PNGFile.read(seeded.folder.appendingPathComponent("frames/00009.png")).image)
        // Wrong shape: named, before loading.
        var wrong = job(small, output: "w")
        wrong.request.frames = 13
        wrong.noiseFile = noiseURL
        XCTAssertThrowsError(try wrong.run()) { error in
            XCTAssertTrue("\(error)".contains("has shape [1, 4, 3, 4, 4], expected [1, 4, 4, 4, 4]"), "\(error)")
        }
    }

    func testMemoryEstimateGrowsWithSizeAndWarns() throws {
        let folder = try ModelFolder(url: model)
        let small = try MemoryEstimate.estimate(request: self.small, folder: folder)
        var big = self.small
        big.width = 512; big.height = 512; big.frames = 81
        let large = try MemoryEstimate.estimate(request: big, folder: folder)
        XCTAssertGreaterThan(large.vae, 50 * small.vae)
        XCTAssertGreaterThan(large.transformer, 100 * small.transformer)
        XCTAssertFalse(small.exceeds())
        XCTAssertTrue(large.exceeds(large.total - 1))
        big.width = 4096; big.height = 4096; big.frames = 1025
        XCTAssertTrue(try MemoryEstimate.estimate(request: big, folder: folder).exceeds())
    }
}
