// How much memory a run will need, from the configs and the request alone (nothing loaded),
// so a size that cannot fit is reported before a long run starts.

import Foundation
import TesseraAutoencoder
import TesseraTransformer
import TesseraWeights

// MARK: - MemoryEstimate

/// An upper-leaning estimate of a run's peak resident memory, by part, in bytes.
///
/// - weights: every tensor held as fp32 (f16/bf16 files are widened on load), plus the
///   memory-mapped files themselves (transformer, VAE, and the 90 MB MiniLM encoder).
/// - transformer: per forward, B·L tokens (B = 2 with guidance, L = F'·(H/16)·(W/16)) times
///   ~10·dim (stream, norms, q, k, v, attention out, modulated copies) and 2·ffn_dim
///   (feed-forward hidden, GELU), plus the cached cross-attention keys/values
///   (B·Ltext·2·dim per block), fp32.
/// - vae: decoding is chunked (one latent frame, 4 video frames), so the peak is at most
///   6 live activations of the widest stage per chunk (channels x 4 x area) plus the causal
///   cache (2 frames per convolution) and the finished video (3 x T x H x W).
/// - frames: the RGB8 frames and one PNG/encoder buffer.
/// - runtime: the process before any model (a measured constant).
public struct MemoryEstimate: Sendable, Equatable {
    public var weights: Int
    public var transformer: Int
    public var vae: Int
    public var frames: Int
    /// The process itself: Swift runtime, Foundation, OpenBLAS's per-thread buffers, FFmpeg
    /// (measured: about 100 MiB for a tiny model).
    public var runtime: Int = 100 << 20

    public var total: Int { weights + transformer + vae + frames + runtime }

    /// Physical memory of this machine.
    public static var physicalMemory: Int { Int(ProcessInfo.processInfo.physicalMemory) }

    /// Whether the estimate exceeds `available` (default: physical memory).
    public func exceeds(_ available: Int = physicalMemory) -> Bool { total > available }

    /// Estimates a run of `request` on `folder` from its configs and safetensors headers.
    public static func estimate(
        request: GenerationRequest, folder: ModelFolder, promptEncoderBytes: Int = 90_900_000
    ) throws -> MemoryEstimate {
        let t = try WanTransformerConfig.load(from: folder.transformerConfigURL)
        let v = try WanVAEConfig.load(from: folder.vaeConfigURL)
        let fileBytes = try [folder.transformerWeightsURL, folder.vaeWeightsURL].flatMap { try ModelFolder.weightFiles($0) }
            .map { (try FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? NSNumber)?.intValue ?? 0 }
            .reduce(0, +)
        let parameters = t.parameterCount + vaeParameters(folder)
        return estimate(request: request, transformer: t, vae: v, textTokens: folder.promptEncoder.maxLength,
                        weightBytes: parameters * 4 + fileBytes + 2 * promptEncoderBytes)
    }

    /// The same from configs and a weight byte count.
    public static func estimate(
        request: GenerationRequest, transformer t: WanTransformerConfig, vae v: WanVAEConfig, textTokens: Int,
        weightBytes: Int
    ) -> MemoryEstimate {
        let f = 4  // fp32
        let batch = request.usesGuidance ? 2 : 1
        let spatial = v.spatialCompression
        let latentFrames = (request.frames - 1) / v.temporalCompression + 1
        let tokens = (latentFrames / t.patchSize[0]) * (request.height / spatial / t.patchSize[1])
            * (request.width / spatial / t.patchSize[2])
        let dim = t.innerDim
        let forward = batch * tokens * (10 * dim + 2 * t.ffnDim) * f
        let textCache = batch * textTokens * 2 * dim * f * (t.numLayers + 1)
        // VAE decoder stages: widths ([mult.last] + mult.reversed()) x decoderDim, resolution
        // doubling after every stage but the last.
        let mult = v.dimMult
        let widths = ([mult.last!] + mult.reversed()).map { v.decoderDim * $0 }
        var widest = 0, cache = 0
        for i in 0..<mult.count {
            let scale = 1 << i  // stage i's residual blocks work at (H/8)·2^i, before its upsampler
            let h = request.height / spatial * min(scale, spatial), w = request.width / spatial * min(scale, spatial)
            let activation = widths[i + 1] * 4 * h * w * f
            widest = max(widest, activation)
            cache += widths[i + 1] * 2 * h * w * f * (2 * v.numResBlocks + 1)
        }
        let video = 3 * request.frames * request.height * request.width * f
        let rgb = 3 * request.frames * request.height * request.width
        return MemoryEstimate(weights: weightBytes, transformer: forward + textCache,
                              vae: 6 * widest + cache + video, frames: rgb + 4 * request.height * request.width * 3)
    }

    /// VAE parameters from its safetensors header (no data read).
    static func vaeParameters(_ folder: ModelFolder) -> Int {
        guard let files = try? ModelFolder.weightFiles(folder.vaeWeightsURL) else { return 0 }
        return files.compactMap { try? SafetensorsFile(url: $0) }
            .flatMap(\.entries).map(\.elementCount).reduce(0, +)
    }

    /// "1.23 GiB" / "456 MiB".
    public static func format(_ bytes: Int) -> String {
        let mib = Double(bytes) / 1_048_576
        return mib >= 1024 ? String(format: "%.2f GiB", mib / 1024) : String(format: "%.0f MiB", mib)
    }
}
