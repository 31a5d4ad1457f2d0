// What to generate: the prompt and every setting of `tessera generate`, validated before any
// model is loaded.

import Foundation
import TesseraSampling

// MARK: - GenerationRequest

/// The settings of one clip. `nil` for `shift` and `sampler` means "as the model's
/// `scheduler_config.json` says".
public struct GenerationRequest: Codable, Equatable, Sendable {
    public var prompt: String
    public var negativePrompt: String
    public var seed: UInt64
    public var steps: Int
    /// Classifier-free guidance scale: `uncond + guidance * (cond - uncond)`; at 1 or below
    /// only the prompt is run (WanPipeline's `do_classifier_free_guidance` is `guidance > 1`).
    public var guidance: Double
    public var shift: Double?
    public var sampler: Sampler?
    public var width: Int
    public var height: Int
    public var frames: Int
    public var fps: Int

    enum CodingKeys: String, CodingKey {
        case prompt
        case negativePrompt = "negative_prompt"
        case seed, steps, guidance, shift, sampler, width, height, frames, fps
    }

    // MARK: - Defaults

    public static let defaultSteps = 30
    public static let defaultGuidance = 5.0
    public static let defaultWidth = 128
    public static let defaultHeight = 128
    public static let defaultFrames = 33
    public static let defaultFPS = 16

    public init(
        prompt: String, negativePrompt: String = "", seed: UInt64 = 0, steps: Int = defaultSteps,
        guidance: Double = defaultGuidance, shift: Double? = nil, sampler: Sampler? = nil,
        width: Int = defaultWidth, height: Int = defaultHeight, frames: Int = defaultFrames, fps: Int = defaultFPS
    ) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.seed = seed
        self.steps = steps
        self.guidance = guidance
        self.shift = shift
        self.sampler = sampler
        self.width = width
        self.height = height
        self.frames = frames
        self.fps = fps
    }

    // MARK: - Validation

    /// Whether guidance runs the negative prompt too (B = 2 in the transformer).
    public var usesGuidance: Bool { guidance > 1 }

    /// Checks every setting; the error names the nearest valid values.
    /// - Parameters:
    ///   - spatialMultiple: width and height must be multiples of this (the VAE's 8x times the
    ///     transformer's 2x2 patch: 16 for Wan).
    ///   - temporalFactor: frames must be `temporalFactor * k + 1` (4 for Wan's VAE).
    public func validate(spatialMultiple: Int = 16, temporalFactor: Int = 4) throws {
        for (name, value) in [("width", width), ("height", height)] {
            guard value >= spatialMultiple, value % spatialMultiple == 0, value <= 4096 else {
                throw PipelineError.invalidSetting(
                    name: name, reason: "\(value) is not a multiple of \(spatialMultiple) between \(spatialMultiple) and 4096; "
                        + "nearest valid: \(Self.nearestMultiples(value, of: spatialMultiple, max: 4096))")
            }
        }
        guard frames >= 1, (frames - 1) % temporalFactor == 0, frames <= 4097 else {
            let lower = max(1, (frames - 1) / temporalFactor * temporalFactor + 1)
            let nearest = frames < 1 ? "1" : lower == frames ? "\(lower)" : "\(lower) or \(lower + temporalFactor)"
            throw PipelineError.invalidSetting(
                name: "frames", reason: "\(frames) is not \(temporalFactor)k+1 (1, 5, 9, ... 33, ...); nearest valid: \(nearest)")
        }
        guard steps >= 1, steps <= 1000 else {
            throw PipelineError.invalidSetting(name: "steps", reason: "\(steps); use 1 to 1000 (e.g. \(Self.defaultSteps))")
        }
        guard guidance >= 0, guidance.isFinite else {
            throw PipelineError.invalidSetting(
                name: "guidance", reason: "\(guidance); use 0 or more (1 or less turns guidance off; default \(Self.defaultGuidance))")
        }
        if let shift {
            guard shift > 0, shift.isFinite else {
                throw PipelineError.invalidSetting(name: "shift", reason: "\(shift); use a positive number (1 is no shift; Wan uses 3 to 5)")
            }
        }
        guard (1...240).contains(fps) else {
            throw PipelineError.invalidSetting(name: "fps", reason: "\(fps); use 1 to 240 (default \(Self.defaultFPS))")
        }
    }

    /// "112 or 128" for 120 and 16; "16" for 3.
    static func nearestMultiples(_ value: Int, of m: Int, max: Int) -> String {
        let lower = value / m * m
        if lower < m { return "\(m)" }
        if lower >= max { return "\(max)" }
        return "\(lower) or \(lower + m)"
    }

    // MARK: - Shapes

    /// Latent frames for `frames` video frames: (frames - 1) / 4 + 1.
    public func latentFrames(temporalFactor: Int = 4) -> Int { (frames - 1) / temporalFactor + 1 }

    /// The latent shape (1, z_dim, (F - 1)/4 + 1, H/8, W/8).
    public func latentShape(zDim: Int, temporalFactor: Int = 4, spatialFactor: Int = 8) -> [Int] {
        [1, zDim, latentFrames(temporalFactor: temporalFactor), height / spatialFactor, width / spatialFactor]
    }
}
