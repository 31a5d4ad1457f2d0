// `metadata.json` of an output folder: what made the clip, on what, and how long it took.

import Foundation

// MARK: - ClipMetadata

/// Everything `metadata.json` records (snake_case keys).
public struct ClipMetadata: Codable, Equatable, Sendable {
    public var prompt: String
    public var negativePrompt: String
    public var seed: UInt64
    /// "seed" (Philox noise from `seed`) or the path of the `--noise` file.
    public var noise: String
    public var steps: Int
    public var guidance: Double
    public var shift: Double
    public var sampler: String
    public var width: Int
    public var height: Int
    public var frames: Int
    public var fps: Int
    public var format: String
    public var model: Model
    public var tessera: Software
    /// Seconds per stage: load, encode_prompt, denoise, decode, write, total.
    public var seconds: [String: Double]
    /// Seconds per denoising step (transformer forward + scheduler step).
    public var secondsPerStep: Double
    /// Peak resident memory of the process (getrusage ru_maxrss), bytes.
    public var peakMemoryBytes: Int
    /// The memory the run was estimated to need before it started, bytes.
    public var estimatedMemoryBytes: Int
    /// Files in the folder, relative to it.
    public var files: [String]
    /// When the clip was finished (ISO 8601, UTC).
    public var created: String

    public struct Model: Codable, Equatable, Sendable {
        public var name: String
        public var path: String
        /// SHA-256 of the transformer's weights (A1111's "Model hash" is its first 10 digits).
        public var sha256: String
        public var vaeSHA256: String
        public var promptEncoder: String
        enum CodingKeys: String, CodingKey {
            case name, path, sha256
            case vaeSHA256 = "vae_sha256"
            case promptEncoder = "prompt_encoder"
        }
    }

    public struct Software: Codable, Equatable, Sendable {
        public var version: String
        public var blasKernel: String
        public var threads: Int
        enum CodingKeys: String, CodingKey {
            case version
            case blasKernel = "blas_kernel"
            case threads
        }
    }

    enum CodingKeys: String, CodingKey {
        case prompt
        case negativePrompt = "negative_prompt"
        case seed, noise, steps, guidance, shift, sampler, width, height, frames, fps, format, model, tessera, seconds
        case secondsPerStep = "seconds_per_step"
        case peakMemoryBytes = "peak_memory_bytes"
        case estimatedMemoryBytes = "estimated_memory_bytes"
        case files, created
    }

    /// Pretty-printed, keys sorted, one trailing newline.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}
