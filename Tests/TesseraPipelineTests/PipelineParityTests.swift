// A whole sampling run against diffusers' WanPipeline: same model folder, same text states,
// same initial noise (Tessera's seeded noise, reproduced in NumPy), frames compared by PSNR.
// Fixture: `python3 scripts/fixtures/wan_pipeline.py` -> Tests/Fixtures/wan_pipeline/
// (model/ by save_pretrained, runs.json, expected.safetensors).

import Foundation
import TesseraPipeline
import TesseraSampling
import TesseraTensor
import TesseraText
import TesseraWeights
import XCTest

final class PipelineParityTests: XCTestCase {
    struct Run: Decodable {
        let name: String
        let prompt: String
        let negative: String
        let seed: UInt64
        let steps: Int
        let guidance: Double
        let sampler: String
        let width: Int
        let height: Int
        let frames: Int
    }

    struct Runs: Decodable { let runs: [Run] }

    static let runs: [Run] = {
        let data = try! Data(contentsOf: Fixtures.url("wan_pipeline", "runs.json"))
        return try! JSONDecoder().decode(Runs.self, from: data).runs
    }()

    static let expected = try! SafetensorsFile(url: Fixtures.url("wan_pipeline", "expected.safetensors"))
    static let folder = try! ModelFolder(url: Fixtures.url("wan_pipeline", "model"))

    func request(_ run: Run) throws -> GenerationRequest {
        GenerationRequest(prompt: run.prompt, negativePrompt: run.negative, seed: run.seed, steps: run.steps,
                          guidance: run.guidance, sampler: try Sampler(name: run.sampler),
                          width: run.width, height: run.height, frames: run.frames)
    }

    /// PSNR over [0, 1] values.
    func psnr(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count)
        let mse = zip(a, b).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / Double(a.count)
        return mse == 0 ? .infinity : 10 * log10(1 / mse)
    }

    func testSeededNoiseIsTheFixturesNoise() throws {
        let pipeline = try TextToVideoPipeline(folder: Self.folder, promptEncoder: nil)
        for run in Self.runs {
            let noise = try Self.expected.tensor("\(run.name).noise")
            let mine = GaussianNoise.tensor(shape: pipeline.latentShape(try request(run)), seed: run.seed)
            XCTAssertEqual(mine.shape, noise.shape)
            for (a, b) in zip(mine.data, noise.data) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        }
    }

    func testWholeRunMatchesWanPipeline() throws {
        let pipeline = try TextToVideoPipeline(folder: Self.folder, promptEncoder: nil)
        for run in Self.runs {
            let r = try request(run)
            let cond = try Self.expected.tensor("\(run.name).prompt_states")
            let uncond = try Self.expected.tensor("\(run.name).negative_states")
            var events: [ProgressEvent] = []
            // Seeded noise: the fixture's initial latents are Tessera's noise for this seed.
            let clip = try pipeline.generate(r, promptStates: cond, negativeStates: r.usesGuidance ? uncond : nil) {
                events.append($0)
                return true
            }
            let latents = try Self.expected.tensor("\(run.name).latents")
            XCTAssertEqual(clip.latents.shape, latents.shape)
            let scale = latents.data.map(abs).max()!
            let latentError = zip(clip.latents.data, latents.data).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(latentError, 1e-4 * scale, "\(run.name): final latents")

            let reference = try Self.expected.tensor("\(run.name).frames")  // (T, H, W, 3) in [0, 1]
            XCTAssertEqual(reference.shape, [run.frames, run.height, run.width, 3])
            XCTAssertEqual(clip.frames.count, run.frames)
            let mine = clip.frames.flatMap { $0.pixels.map { Float($0) / 255 } }
            let db = psnr(mine, reference.data)
            XCTAssertGreaterThanOrEqual(db, 45, "\(run.name): 8-bit frames vs WanPipeline")  // measured 59 dB (rounding)
            // The float video, before 8-bit rounding, is much closer still.
            let video = clip.video  // (1, 3, T, H, W)
            var floats = [Float](repeating: 0, count: reference.count)
            let (t, h, w) = (run.frames, run.height, run.width)
            for c in 0..<3 { for f in 0..<t { for i in 0..<(h * w) {
                floats[(f * h * w + i) * 3 + c] = min(max(video.data[(c * t + f) * h * w + i] / 2 + 0.5, 0), 1)
            } } }
            XCTAssertGreaterThanOrEqual(psnr(floats, reference.data), 100, "\(run.name): float frames")  // measured 128 dB

            // Progress: every step reported, in order, then each latent frame decoded.
            let steps = events.filter { $0.stage == .denoise }.map(\.completed)
            XCTAssertEqual(steps, Array(0...run.steps))
            XCTAssertEqual(events.filter { $0.stage == .decode }.last?.completed, latents.dim(2))
            XCTAssertEqual(clip.request.shift, 3.0)
        }
    }

    func testPromptStatesMatchTheFixture() throws {
        let directory = PromptEncoder.defaultDirectory
        try XCTSkipUnless(FileManager.default.fileExists(atPath: directory.appendingPathComponent("model.safetensors").path),
                          "all-MiniLM-L6-v2 not installed (make setup)")
        let pipeline = try TextToVideoPipeline(folder: Self.folder, promptEncoder: try MiniLMPromptStates(directory: directory))
        for run in Self.runs {
            for (text, key) in [(run.prompt, "prompt_states"), (run.negative, "negative_states")] {
                let (states, truncated) = try pipeline.promptStates(text)
                let reference = try Self.expected.tensor("\(run.name).\(key)")
                XCTAssertEqual(states.shape, [16, 384])
                let error = zip(states.data, reference.data).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(error, 1e-4, "\(run.name) \(key)")
                // The first run's prompt is longer than the model's 16 tokens.
                XCTAssertEqual(truncated, run.name == "unipc_cfg" && key == "prompt_states")
            }
        }
    }

    func testPromptPathEndToEnd() throws {
        let directory = PromptEncoder.defaultDirectory
        try XCTSkipUnless(FileManager.default.fileExists(atPath: directory.appendingPathComponent("model.safetensors").path),
                          "all-MiniLM-L6-v2 not installed (make setup)")
        let pipeline = try TextToVideoPipeline(folder: Self.folder, promptEncoder: try MiniLMPromptStates(directory: directory))
        let run = Self.runs[0]
        let clip = try pipeline.generate(try request(run))
        XCTAssertTrue(clip.promptTruncated)
        let reference = try Self.expected.tensor("\(run.name).frames")
        let mine = clip.frames.flatMap { $0.pixels.map { Float($0) / 255 } }
        XCTAssertGreaterThanOrEqual(psnr(mine, reference.data), 45)
    }

    func testSameSeedSameClipOtherSeedOtherClip() throws {
        let pipeline = try TextToVideoPipeline(folder: Self.folder, promptEncoder: nil)
        let run = Self.runs[1]
        var r = try request(run)
        let cond = try Self.expected.tensor("\(run.name).prompt_states")
        let a = try pipeline.generate(r, promptStates: cond, negativeStates: nil)
        let b = try pipeline.generate(r, promptStates: cond, negativeStates: nil)
        XCTAssertEqual(a.frames, b.frames)
        XCTAssertEqual(a.latents, b.latents)
        r.seed += 1
        let c = try pipeline.generate(r, promptStates: cond, negativeStates: nil)
        XCTAssertNotEqual(a.frames, c.frames)
    }

    func testGivenNoiseReplacesTheSeed() throws {
        let pipeline = try TextToVideoPipeline(folder: Self.folder, promptEncoder: nil)
        let run = Self.runs[1]
        var r = try request(run)
        let cond = try Self.expected.tensor("\(run.name).prompt_states")
        let noise = try Self.expected.tensor("\(run.name).noise")
        let seeded = try pipeline.generate(r, promptStates: cond, negativeStates: nil)
        r.seed = 999
        let given = try pipeline.generate(r, promptStates: cond, negativeStates: nil, noise: noise)
        XCTAssertEqual(seeded.latents, given.latents)
        XCTAssertThrowsError(try pipeline.generate(r, promptStates: cond, negativeStates: nil,
                                                    noise: Tensor(zeros: [1, 4, 1, 4, 6]))) { error in
            XCTAssertTrue("\(error)".contains("expected [1, 4, 4, 4, 6]"), "\(error)")
        }
    }

    func testStepObserverSeesEveryStepAndCleanPredictions() throws {
        let pipeline = try TextToVideoPipeline(folder: Self.folder, promptEncoder: nil)
        let run = Self.runs[0]
        let r = try request(run)
        let cond = try Self.expected.tensor("\(run.name).prompt_states")
        let uncond = try Self.expected.tensor("\(run.name).negative_states")
        var steps: [DenoisingStep] = []
        let clip = try pipeline.generate(r, promptStates: cond, negativeStates: uncond, onStep: { steps.append($0) })
        XCTAssertEqual(steps.map(\.index), Array(0..<run.steps))
        XCTAssertEqual(steps.first?.latents, try Self.expected.tensor("\(run.name).noise"))
        XCTAssertEqual(steps.last?.next, clip.latents)
        for (a, b) in zip(steps, steps.dropFirst()) { XCTAssertEqual(a.next, b.latents) }
        // The last step goes to sigma 0, where UniPC's first-order update returns x0 itself.
        let last = steps.last!
        let gap = zip(last.predictedClean.data, last.next.data).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(gap, 1e-5)
    }

    func testBatchEqualsClipsRenderedAlone() throws {
        let pipeline = try TextToVideoPipeline(folder: Self.folder, promptEncoder: nil)
        let run = Self.runs[0]
        var a = try request(run), b = a
        b.seed = 5
        b.guidance = 3
        b.negativePrompt = "other"
        let cond = try Self.expected.tensor("\(run.name).prompt_states")
        let uncond = try Self.expected.tensor("\(run.name).negative_states")
        let other = Tensor(shape: uncond.shape, data: uncond.data.map { $0 * 0.5 })
        let alone = [try pipeline.generate(a, promptStates: cond, negativeStates: uncond),
                     try pipeline.generate(b, promptStates: uncond, negativeStates: other)]
        var items = 0
        let batch = try pipeline.generate(batch: [b, a], promptStates: [uncond, cond], negativeStates: [other, uncond],
                                          onStep: { items = max(items, $0.item + 1) })
        XCTAssertEqual(items, 2)
        for (one, together) in zip(alone, batch.reversed()) {
            XCTAssertEqual(one.request, together.request)
            let error = zip(one.latents.data, together.latents.data).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(error, 1e-4)
            let mine = together.frames.flatMap { $0.pixels.map { Float($0) / 255 } }
            XCTAssertGreaterThan(psnr(mine, one.frames.flatMap { $0.pixels.map { Float($0) / 255 } }), 50)
        }
        XCTAssertNotEqual(batch[0].frames, batch[1].frames)
        // Items that cannot share a forward are refused.
        a.frames = 13
        XCTAssertThrowsError(try pipeline.generate(batch: [b, a], promptStates: [cond, cond], negativeStates: [uncond, uncond])) {
            XCTAssertTrue("\($0)".contains("item 1 differs"), "\($0)")
        }
    }

    func testProgressHandlerCancels() throws {
        let pipeline = try TextToVideoPipeline(folder: Self.folder, promptEncoder: nil)
        let run = Self.runs[1]
        let cond = try Self.expected.tensor("\(run.name).prompt_states")
        var steps = 0
        XCTAssertThrowsError(try pipeline.generate(try request(run), promptStates: cond, negativeStates: nil) { event in
            if event.stage == .denoise { steps = event.completed }
            return event.completed < 2
        }) { error in
            XCTAssertEqual(error as? PipelineError, .cancelled(stage: "denoise"))
        }
        XCTAssertEqual(steps, 2)
        let token = Cancellation()
        token.cancel()
        XCTAssertThrowsError(try pipeline.generate(try request(run), promptStates: cond, negativeStates: nil,
                                                    cancellation: token))
    }
}
