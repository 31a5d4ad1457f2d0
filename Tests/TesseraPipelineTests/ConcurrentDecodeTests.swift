// The clips of a batch decoded side by side (one per thread, `concurrentDecode`) against one
// after another: the same frames, every clip in its place, progress counted to the total.
// Model: the tiny random Wan of Tests/Fixtures/wan_pipeline/model (scripts/fixtures/wan_pipeline.py).

import Foundation
import TesseraPipeline
import TesseraTensor
import XCTest

final class ConcurrentDecodeTests: XCTestCase {
    func testClipsDecodedSideBySideEqualClipsDecodedInTurn() throws {
        let pipeline = try TextToVideoPipeline(folder: PipelineParityTests.folder, promptEncoder: nil)
        let run = PipelineParityTests.runs[0]
        let cond = try PipelineParityTests.expected.tensor("\(run.name).prompt_states")
        let uncond = try PipelineParityTests.expected.tensor("\(run.name).negative_states")
        // Three clips (more than the two threads, so one thread decodes two), different seeds.
        let requests = (0..<3).map { i in
            GenerationRequest(prompt: "clip \(i)", negativePrompt: "", seed: UInt64(11 + i), steps: 2, guidance: 3,
                              width: 32, height: 32, frames: 9)
        }
        let threads = Threads.count
        Threads.configure(2)
        defer { Threads.configure(threads) }
        XCTAssertTrue(pipeline.concurrentDecode, "the default")

        var decodeEvents: [ProgressEvent] = []
        let together = try pipeline.generate(
            batch: requests, promptStates: [cond, uncond, cond], negativeStates: [uncond, cond, uncond],
            progress: { event in
                if event.stage == .decode { decodeEvents.append(event) }
                return true
            })
        pipeline.concurrentDecode = false
        let inTurn = try pipeline.generate(batch: requests, promptStates: [cond, uncond, cond], negativeStates: [uncond, cond, uncond])

        XCTAssertEqual(together.map(\.request.seed), [11, 12, 13])
        for (a, b) in zip(together, inTurn) {
            XCTAssertEqual(a.video.shape, [1, 3, 9, 32, 32])
            XCTAssertEqual(a.video.data, b.video.data, "seed \(a.request.seed): the same decoder on the same latents")
            XCTAssertEqual(a.frames, b.frames)
        }
        XCTAssertNotEqual(together[0].frames, together[1].frames)
        // 3 latent frames per clip: 9 progress steps after the start, ending at the total.
        XCTAssertEqual(decodeEvents.map(\.completed), Array(0...9))
        XCTAssertEqual(decodeEvents.last?.total, 9)
    }
}
