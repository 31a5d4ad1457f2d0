// Parity of the Swift Wan transformer with diffusers 0.42.1 `WanTransformer3DModel`.
//
// Fixtures: `python3 scripts/fixtures/wan_transformer.py` (run from the repository root) wrote
// Tests/Fixtures/wan_transformer/<config>/transformer/{config.json,
// diffusion_pytorch_model.safetensors} and <config>/<case>.safetensors (inputs, intermediate
// activations and the output of the reference forward).

import Foundation
import TesseraTensor
import TesseraTransformer
import TesseraWeights
import XCTest

/// Tests/Fixtures/wan_transformer, found from this file's path.
func wanTransformerFixtures() -> URL {
    var url = URL(fileURLWithPath: #filePath)
    while url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
    return url.appendingPathComponent("Fixtures/wan_transformer")
}

/// Asserts max |actual − expected| ≤ tolerance · max |expected| (and equal shapes).
func assertClose(_ actual: Tensor, _ expected: Tensor, relative tolerance: Float = 1e-4, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "\(what): shape", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    var maxError: Float = 0, maxReference: Float = 0
    for i in 0..<expected.count {
        maxError = max(maxError, abs(actual.data[i] - expected.data[i]))
        maxReference = max(maxReference, abs(expected.data[i]))
    }
    if ProcessInfo.processInfo.environment["TESSERA_TEST_VERBOSE"] != nil {
        print("\(what): max abs error \(maxError) (\(maxError / max(maxReference, .leastNormalMagnitude)) of max |reference| \(maxReference))")
    }
    XCTAssertFalse(maxError.isNaN, "\(what): NaN", file: file, line: line)
    XCTAssertLessThanOrEqual(maxError, tolerance * maxReference,
                             "\(what): max abs error \(maxError), max |reference| \(maxReference)",
                             file: file, line: line)
}

final class WanTransformerParityTests: XCTestCase {
    struct Case {
        let config: String
        let name: String
    }

    static let cases = [
        Case(config: "tiny_a", name: "square_b2"), Case(config: "tiny_a", name: "nonsquare_b2"),
        Case(config: "tiny_b", name: "square_b2"), Case(config: "tiny_b", name: "nonsquare_b1"),
    ]

    private func model(_ config: String) throws -> WanTransformer {
        try WanTransformer.load(folder: wanTransformerFixtures().appendingPathComponent("\(config)/transformer"))
    }

    private func fixture(_ c: Case) throws -> SafetensorsFile {
        try SafetensorsFile(url: wanTransformerFixtures().appendingPathComponent("\(c.config)/\(c.name).safetensors"))
    }

    func testTimestepEmbeddingMatchesDiffusers() throws {
        for c in Self.cases {
            let model = try model(c.config)
            let f = try fixture(c)
            let timestep = try f.floats("timestep")
            let sinusoids = timestepSinusoidalEmbedding(timestep, dim: model.config.freqDim)
            assertClose(sinusoids, try f.tensor("timestep_embedding"), "\(c.config)/\(c.name) sinusoids")
            let (temb, timestepProj) = model.timestepEmbedding(timestep)
            assertClose(temb, try f.tensor("temb"), "\(c.config)/\(c.name) temb")
            assertClose(timestepProj, try f.tensor("timestep_proj"), "\(c.config)/\(c.name) timestep_proj")
        }
    }

    /// Odd widths are zero-padded at the end, as `get_timestep_embedding` pads them.
    func testSinusoidalEmbeddingOfOddWidth() {
        let embedding = timestepSinusoidalEmbedding([0, 2], dim: 5)  // half = 2: freqs 1, 0.01
        XCTAssertEqual(embedding.shape, [2, 5])
        XCTAssertEqual(Array(embedding.data[0..<5]), [1, 1, 0, 0, 0])
        XCTAssertEqual(embedding[1, 0], Float(cos(2.0)), accuracy: 1e-6)
        XCTAssertEqual(embedding[1, 1], Float(cos(0.02)), accuracy: 1e-6)
        XCTAssertEqual(embedding[1, 2], Float(sin(2.0)), accuracy: 1e-6)
        XCTAssertEqual(embedding[1, 3], Float(sin(0.02)), accuracy: 1e-6)
        XCTAssertEqual(embedding[1, 4], 0)
    }

    func testRotaryTablesMatchDiffusers() throws {
        for c in Self.cases {
            let model = try model(c.config)
            let f = try fixture(c)
            let grid = try model.patchGrid(latents: try f.tensor("latents").shape)
            let (cos, sin) = model.rope.tables(frames: grid.frames, height: grid.height, width: grid.width)
            assertClose(cos, try f.tensor("rope_cos"), relative: 1e-6, "\(c.config)/\(c.name) rope cos")
            assertClose(sin, try f.tensor("rope_sin"), relative: 1e-6, "\(c.config)/\(c.name) rope sin")
        }
    }

    func testTextAndFirstBlockMatchDiffusers() throws {
        for c in Self.cases {
            let model = try model(c.config)
            let f = try fixture(c)
            let latents = try f.tensor("latents")
            let timestep = try f.floats("timestep")
            let text = try model.prepareText(try f.tensor("encoder_hidden_states"))
            assertClose(text.textStates, try f.tensor("text_states"), "\(c.config)/\(c.name) text_states")
            let tokens = try model.hiddenStates(latents, timestep: timestep, text: text, afterBlocks: 0)
            assertClose(tokens, try f.tensor("patch_tokens"), "\(c.config)/\(c.name) patch tokens")
            let block0 = try model.hiddenStates(latents, timestep: timestep, text: text, afterBlocks: 1)
            assertClose(block0, try f.tensor("block0_out"), "\(c.config)/\(c.name) blocks.0 output")
        }
    }

    func testOutputMatchesDiffusers() throws {
        for c in Self.cases {
            let model = try model(c.config)
            let f = try fixture(c)
            let text = try model.prepareText(try f.tensor("encoder_hidden_states"))
            let output = try model.forward(try f.tensor("latents"), timestep: try f.floats("timestep"), text: text)
            assertClose(output, try f.tensor("output"), "\(c.config)/\(c.name) output")
        }
    }

    /// Prompts of different lengths stacked by `prepareText(sequences:paddedLength:)` give the
    /// same result as the zero-padded batch the reference saw.
    func testPromptsOfDifferentLengthsArePaddedLikeWanPipeline() throws {
        let c = Case(config: "tiny_a", name: "square_b2")
        let model = try model(c.config)
        let f = try fixture(c)
        let padded = try f.tensor("encoder_hidden_states")  // (B, Ltext, text_dim)
        let lengths = try f.integers("text_lengths").map(Int.init)
        let (b, length, width) = (padded.dim(0), padded.dim(1), padded.dim(2))
        XCTAssertNotEqual(lengths[0], lengths[1], "the fixture should hold prompts of different lengths")
        let sequences = (0..<b).map { i in
            Tensor(shape: [lengths[i], width], data: Array(padded.data[(i * length * width)..<(i * length * width + lengths[i] * width)]))
        }
        let text = try model.prepareText(sequences: sequences, paddedLength: length)
        let output = try model.forward(try f.tensor("latents"), timestep: try f.floats("timestep"), text: text)
        assertClose(output, try f.tensor("output"), "\(c.config)/\(c.name) output from unpadded prompts")
    }

    /// Each sample of a CFG batch is computed independently: B = 2 equals two B = 1 forwards.
    func testBatchedForwardEqualsPerSampleForwards() throws {
        let c = Case(config: "tiny_b", name: "square_b2")
        let model = try model(c.config)
        let f = try fixture(c)
        let latents = try f.tensor("latents"), states = try f.tensor("encoder_hidden_states")
        let timestep = try f.floats("timestep")
        let batched = try model.forward(latents, timestep: timestep, text: try model.prepareText(states))
        let per = batched.count / 2, perText = states.count / 2
        for i in 0..<2 {
            let one = Tensor(shape: [1] + Array(latents.shape.dropFirst()), data: Array(latents.data[(i * per)..<((i + 1) * per)]))
            let text = Tensor(shape: [1] + Array(states.shape.dropFirst()), data: Array(states.data[(i * perText)..<((i + 1) * perText)]))
            let single = try model.forward(one, timestep: [timestep[i]], text: try model.prepareText(text))
            let slice = Tensor(shape: single.shape, data: Array(batched.data[(i * per)..<((i + 1) * per)]))
            assertClose(single, slice, relative: 1e-5, "sample \(i)")
        }
    }
}
