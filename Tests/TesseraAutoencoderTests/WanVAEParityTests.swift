// The Wan VAE against diffusers 0.42.1 `AutoencoderKLWan` on a tiny seeded, perturbed
// configuration (base_dim 8, z_dim 4, dim_mult [1, 2, 2, 2], num_res_blocks 1,
// temperal_downsample [False, True, True]): decode and encode ≥ 60 dB PSNR.
//
// Fixtures: Tests/Fixtures/wan_vae/{vae/config.json, vae/diffusion_pytorch_model.safetensors,
// io.safetensors}, written by
//     python3 scripts/fixtures/wan_vae.py

import Foundation
import TesseraAutoencoder
import TesseraTensor
import TesseraWeights
import XCTest

final class WanVAEParityTests: XCTestCase {
    static let vae: Result<WanVAE, Error> = Result {
        try WanVAE(directory: WanVAEFixtures.directory.appendingPathComponent("vae"))
    }
    static let io: Result<SafetensorsFile, Error> = Result {
        try SafetensorsFile(url: WanVAEFixtures.directory.appendingPathComponent("io.safetensors"))
    }

    /// PSNR in dB with the given peak-to-peak range: 10·log10(range² / MSE).
    static func psnr(_ a: Tensor, _ b: Tensor, range: Float) -> Double {
        precondition(a.shape == b.shape)
        var mse = 0.0
        for i in 0..<a.count { let d = Double(a.data[i] - b.data[i]); mse += d * d }
        mse /= Double(a.count)
        return mse == 0 ? .infinity : 10 * log10(Double(range * range) / mse)
    }

    func assertClose(_ got: Tensor, _ expected: Tensor, range: Float? = nil, _ what: String,
                     line: UInt = #line) {
        XCTAssertEqual(got.shape, expected.shape, what, line: line)
        guard got.shape == expected.shape else { return }
        let r = range ?? (expected.data.max()! - expected.data.min()!)
        let db = Self.psnr(got, expected, range: r)
        XCTAssertGreaterThanOrEqual(db, 60, "\(what): \(db) dB", line: line)
    }

    // MARK: - Decode

    func testDecodeMatchesDiffusers() throws {
        let vae = try Self.vae.get(), io = try Self.io.get()
        for name in ["1", "3", "5"] {
            let latents = try io.tensor("latents" + name)      // normalised, (B, 4, T', h, w)
            let expected = try io.tensor("decoded" + name)     // (B, 3, 4T'−3, 8h, 8w)
            let video = try vae.decode(latents)
            assertClose(video, expected, range: 2, "decode latents\(name) \(latents.shape)")
            // Values the reference clamps stay within [-1, 1].
            XCTAssertLessThanOrEqual(video.data.map(abs).max()!, 1)
        }
    }

    func testDecodeRawSkipsTheNormalisation() throws {
        let vae = try Self.vae.get(), io = try Self.io.get()
        let latents = try io.tensor("latents3")
        let raw = vae.latentNormalization.denormalize(latents)
        assertClose(try vae.decodeRaw(raw), try io.tensor("decoded3"), range: 2, "decodeRaw")
        // Without the denormalisation the result must differ (the fixture's stats are not 0/1).
        let wrong = try vae.decodeRaw(latents)
        XCTAssertLessThan(Self.psnr(wrong, try io.tensor("decoded3"), range: 2), 40)
    }

    // MARK: - Encode

    func testEncodeMatchesDiffusers() throws {
        let vae = try Self.vae.get(), io = try Self.io.get()
        for name in ["9", "17"] {
            let video = try io.tensor("video" + name)
            let posterior = try vae.encodeRaw(video)
            assertClose(posterior.mean, try io.tensor("mean" + name), "encode video\(name) mean")
            assertClose(posterior.logVar, try io.tensor("logvar" + name), "encode video\(name) logvar")
        }
    }

    func testEncodeNormalisesAsTheImageToVideoPipeline() throws {
        let vae = try Self.vae.get(), io = try Self.io.get()
        let video = try io.tensor("video9")
        let (mean, logVar) = try vae.encode(video)
        let reference = try io.tensor("mean9"), referenceLogVar = try io.tensor("logvar9")
        let norm = vae.latentNormalization
        // (mu - latents_mean) * (1 / latents_std), per channel.
        let inner = reference.count / (reference.shape[0] * 4)
        var expected = reference, expectedLogVar = referenceLogVar
        for i in 0..<reference.count {
            let c = (i / inner) % 4
            expected.data[i] = (reference.data[i] - norm.mean[c]) * (1 / norm.std[c])
            expectedLogVar.data[i] = referenceLogVar.data[i] - 2 * Foundation.log(norm.std[c])
        }
        assertClose(mean, expected, "normalised mean")
        assertClose(logVar, expectedLogVar, "normalised logvar")
        // normalize and denormalize are inverses.
        assertClose(norm.denormalize(mean), try vae.encodeRaw(video).mean, "denormalize(normalize)")
    }

    // MARK: - Causality (the feature cache)

    func testDecodingIsCausalChunkByChunk() throws {
        // Frames decoded from the first k latent frames do not change when more follow.
        let vae = try Self.vae.get(), io = try Self.io.get()
        let latents = try io.tensor("latents5")                       // (2, 4, 5, 2, 6)
        let full = try vae.decode(latents)                            // (2, 3, 17, 16, 48)
        let prefix = try vae.decode(Self.frames(latents, 0..<2))      // (2, 3, 5, 16, 48)
        assertClose(prefix, Self.frames(full, 0..<5), range: 2, "decode of a prefix")
    }

    func testEncodingIsCausalChunkByChunk() throws {
        let vae = try Self.vae.get(), io = try Self.io.get()
        let video = try io.tensor("video17")                          // (1, 3, 17, 16, 48)
        let full = try vae.encodeRaw(video).mean                      // (1, 4, 5, 2, 6)
        let prefix = try vae.encodeRaw(Self.frames(video, 0..<9)).mean
        assertClose(prefix, Self.frames(full, 0..<3), "encode of a prefix")
    }

    /// x[:, :, range] of a (B, C, T, H, W) tensor (test-side copy).
    static func frames(_ x: Tensor, _ range: Range<Int>) -> Tensor {
        let (b, c, t, plane) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3] * x.shape[4])
        var out: [Float] = []
        for bc in 0..<(b * c) {
            out += x.data[((bc * t + range.lowerBound) * plane)..<((bc * t + range.upperBound) * plane)]
        }
        return Tensor(shape: [b, c, range.count, x.shape[3], x.shape[4]], data: out)
    }

    // MARK: - Shapes (the first-frame rule)

    func testFirstFrameRuleShapes() throws {
        let vae = try Self.vae.get()
        for latentFrames in [1, 2, 4] {
            let z = Tensor(zeros: [1, 4, latentFrames, 2, 3])
            XCTAssertEqual(try vae.decode(z).shape, [1, 3, 4 * (latentFrames - 1) + 1, 16, 24])
        }
        for frames in [1, 5, 9] {
            let video = Tensor(zeros: [1, 3, frames, 16, 8])
            let (mean, logVar) = try vae.encode(video)
            XCTAssertEqual(mean.shape, [1, 4, (frames - 1) / 4 + 1, 2, 1])
            XCTAssertEqual(logVar.shape, mean.shape)
        }
    }

    func testBadInputShapesAreErrors() throws {
        let vae = try Self.vae.get()
        XCTAssertThrowsError(try vae.decode(Tensor(zeros: [1, 5, 2, 2, 2]))) { error in
            XCTAssertTrue("\(error)".contains("latents"), "\(error)")
        }
        XCTAssertThrowsError(try vae.decode(Tensor(zeros: [4, 2, 2, 2])))
        XCTAssertThrowsError(try vae.encode(Tensor(zeros: [1, 1, 5, 8, 8]))) { error in
            XCTAssertTrue("\(error)".contains("video"), "\(error)")
        }
    }
}
