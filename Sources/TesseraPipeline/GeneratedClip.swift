// What a run produces in memory, before it is written to an output folder.

import TesseraMedia
import TesseraTensor

// MARK: - GeneratedClip

/// A generated clip: the final latents, the decoded frames, and how the run went.
public struct GeneratedClip: Sendable {
    /// The request, with `shift` and `sampler` resolved to what was used.
    public var request: GenerationRequest
    /// Latents after the last step, normalised (the transformer's space): (1, z, F', H/8, W/8).
    public var latents: Tensor
    /// The decoded video in [-1, 1]: (1, 3, T, H, W).
    public var video: Tensor
    /// The frames as 8-bit RGB: round(255 · clamp(x / 2 + 0.5, 0, 1)), as diffusers'
    /// `VideoProcessor.postprocess_video` then `numpy_to_pil` compute them.
    public var frames: [RGBImage]
    /// Seconds per stage (`load` is filled by the caller that loaded the model).
    public var seconds: [ProgressEvent.Stage: Double]
    /// Seconds per denoising step (median).
    public var secondsPerStep: Double
    /// Whether the prompt or the negative prompt was cut to the model's `max_length`.
    public var promptTruncated: Bool

    /// Frames from a decoded video (1, 3, T, H, W) in [-1, 1].
    public static func frames(from video: Tensor) -> [RGBImage] {
        precondition(video.rank == 5 && video.dim(0) == 1 && video.dim(1) == 3, "video must be (1, 3, T, H, W)")
        let (t, h, w) = (video.dim(2), video.dim(3), video.dim(4))
        let plane = h * w, channelStride = t * plane
        return video.withUnsafeBufferPointer { v in
            (0..<t).map { frame in
                var pixels = [UInt8](repeating: 0, count: plane * 3)
                for c in 0..<3 {
                    let base = c * channelStride + frame * plane
                    for i in 0..<plane {
                        let x = min(max(v[base + i] / 2 + 0.5, 0), 1)
                        pixels[i * 3 + c] = UInt8((x * 255).rounded(.toNearestOrEven))
                    }
                }
                return RGBImage(width: w, height: h, pixels: pixels)
            }
        }
    }
}
