// `generate --save-latents`: the final latents of a clip as safetensors, for inspection,
// re-decoding, or as `--noise` input to another run (NoiseFile reads the name `latents`).

import Foundation
import TesseraTensor
import TesseraWeights

/// Writes a clip's final latents, (1, z, F', H/8, W/8) in the normalised latent space.
public enum LatentsFile {
    /// File name inside an output folder.
    public static let fileName = "latents.safetensors"

    /// Writes `latents` as the tensor `latents` (F32) with `metadata`, atomically.
    public static func write(_ latents: Tensor, to url: URL, metadata: [String: String] = [:]) throws {
        var writer = SafetensorsWriter(metadata: metadata.merging(["format": "tessera-latents/1"]) { _, new in new })
        try writer.add("latents", latents)
        try writer.write(to: url)
    }
}
