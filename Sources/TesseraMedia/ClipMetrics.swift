// Clip quality measurements for `tessera inspect`: sharpness, motion energy and temporal
// flicker per frame, and per-clip summaries.
//
// - Sharpness: variance of the Laplacian of the luma plane (Pech-Pacheco et al. 2000, the
//   usual blur measure; OpenCV `cv2.Laplacian(gray, cv2.CV_64F).var()` with its default
//   3×3 kernel [0 1 0; 1 −4 1; 0 1 0]), over interior pixels only (no border padding).
// - Flicker: mean absolute difference from the previous frame over every pixel and channel,
//   as VBench's temporal flickering (`vbench/temporal_flickering.py`: `cv2.absdiff` mean per
//   consecutive pair); its clip score is (255 − mean) / 255, 1 for a still clip.
// - Motion energy: mean squared difference of luma from the previous frame (0-255 scale),
//   which weighs large moving edges above small noise.

import Foundation

// MARK: - FrameMetrics

/// Measurements of one frame (0-255 scale).
public struct FrameMetrics: Codable, Equatable, Sendable {
    /// Frame index, from 0.
    public var index: Int
    /// Variance of the 3×3 Laplacian of luma over interior pixels (0 for a flat frame).
    public var sharpness: Double
    /// Mean squared luma difference from the previous frame; nil for the first frame.
    public var motionEnergy: Double?
    /// Mean absolute RGB difference from the previous frame; nil for the first frame.
    public var flicker: Double?

    enum CodingKeys: String, CodingKey {
        case index, sharpness, flicker
        case motionEnergy = "motion_energy"
    }

    public init(index: Int, sharpness: Double, motionEnergy: Double?, flicker: Double?) {
        self.index = index
        self.sharpness = sharpness
        self.motionEnergy = motionEnergy
        self.flicker = flicker
    }

    /// Measures `frame` against `previous` (same size) when given.
    public init(_ frame: RGBImage, index: Int, previous: RGBImage? = nil) {
        let y = FrameDiff.luma(frame)
        var motion: Double?, flicker: Double?
        if let previous {
            precondition(previous.width == frame.width && previous.height == frame.height, "ClipMetrics: frames of different sizes")
            let yp = FrameDiff.luma(previous)
            var m = 0.0
            for i in 0..<y.count { let d = y[i] - yp[i]; m += d * d }
            motion = m / Double(max(1, y.count))
            var a = 0
            frame.pixels.withUnsafeBufferPointer { p in
                previous.pixels.withUnsafeBufferPointer { q in
                    for i in 0..<p.count { a += abs(Int(p[i]) - Int(q[i])) }
                }
            }
            flicker = Double(a) / Double(max(1, frame.pixels.count))
        }
        self.init(index: index, sharpness: ClipMetrics.laplacianVariance(luma: y, width: frame.width, height: frame.height),
                  motionEnergy: motion, flicker: flicker)
    }
}

// MARK: - ClipMetrics

/// Per-frame metrics of a clip and their summaries.
public struct ClipMetrics: Codable, Equatable, Sendable {
    public var frames: [FrameMetrics]

    public init(frames: [FrameMetrics]) { self.frames = frames }

    /// Measures each frame against the one before.
    public init(_ clip: [RGBImage]) {
        frames = clip.indices.map { FrameMetrics(clip[$0], index: $0, previous: $0 > 0 ? clip[$0 - 1] : nil) }
    }

    /// Mean sharpness over frames.
    public var meanSharpness: Double { frames.map(\.sharpness).reduce(0, +) / Double(max(1, frames.count)) }
    public var minSharpness: Double { frames.map(\.sharpness).min() ?? 0 }
    /// Mean motion energy over consecutive pairs (0 for a single frame).
    public var meanMotionEnergy: Double { mean(frames.compactMap(\.motionEnergy)) }
    /// Mean flicker (mean absolute difference) over consecutive pairs (0 for a single frame).
    public var meanFlicker: Double { mean(frames.compactMap(\.flicker)) }
    public var maxFlicker: Double { frames.compactMap(\.flicker).max() ?? 0 }
    /// VBench's temporal-flickering score: (255 − mean flicker) / 255, 1 for a still clip.
    public var flickerScore: Double { (255 - meanFlicker) / 255 }

    private func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }

    enum CodingKeys: String, CodingKey { case frames, summary }

    struct Summary: Codable {
        var sharpness_mean: Double
        var sharpness_min: Double
        var motion_energy_mean: Double
        var flicker_mean: Double
        var flicker_max: Double
        var vbench_flicker_score: Double
    }

    public init(from decoder: Decoder) throws {
        frames = try decoder.container(keyedBy: CodingKeys.self).decode([FrameMetrics].self, forKey: .frames)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(frames, forKey: .frames)
        try c.encode(Summary(sharpness_mean: meanSharpness, sharpness_min: minSharpness,
                             motion_energy_mean: meanMotionEnergy, flicker_mean: meanFlicker,
                             flicker_max: maxFlicker, vbench_flicker_score: flickerScore), forKey: .summary)
    }

    /// The variance of the 3×3 Laplacian [0 1 0; 1 −4 1; 0 1 0] of a luma plane (H, W), over
    /// the (H − 2) × (W − 2) interior pixels; 0 when the plane is under 3×3.
    public static func laplacianVariance(luma y: [Double], width: Int, height: Int) -> Double {
        guard width >= 3 && height >= 3 else { return 0 }
        var sum = 0.0, sumSquares = 0.0
        for r in 1..<(height - 1) {
            for c in 1..<(width - 1) {
                let i = r * width + c
                let l = y[i - width] + y[i + width] + y[i - 1] + y[i + 1] - 4 * y[i]
                sum += l
                sumSquares += l * l
            }
        }
        let n = Double((width - 2) * (height - 2))
        let mean = sum / n
        return max(0, sumSquares / n - mean * mean)
    }

    /// A table for the terminal: one line per frame, then the clip summary.
    public var textReport: String {
        var lines = [" frame  sharpness  motion energy  flicker"]
        for f in frames {
            let motion = f.motionEnergy.map { String(format: "%13.3f", $0) } ?? "            -"
            let flicker = f.flicker.map { String(format: "%8.3f", $0) } ?? "       -"
            lines.append(String(format: "%6d %10.2f  ", f.index, f.sharpness) + motion + " " + flicker)
        }
        lines.append(String(format: "sharpness mean %.2f (min %.2f); motion energy mean %.3f; flicker mean %.3f (max %.3f), VBench flicker score %.5f",
                            meanSharpness, minSharpness, meanMotionEnergy, meanFlicker, maxFlicker, flickerScore))
        return lines.joined(separator: "\n")
    }
}

// MARK: - Streaming

extension ClipMetrics {
    /// Measures frames one at a time as a reader hands them over, keeping only the previous one.
    public struct Accumulator: Sendable {
        public private(set) var metrics = ClipMetrics(frames: [])
        private var previous: RGBImage?

        public init() {}

        public mutating func add(_ frame: RGBImage, index: Int) {
            metrics.frames.append(FrameMetrics(frame, index: index, previous: previous))
            previous = frame
        }
    }
}
