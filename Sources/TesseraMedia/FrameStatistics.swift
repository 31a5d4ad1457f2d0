// Per-frame measurements for `tessera inspect`: mean colour, luma, and how much each frame
// differs from the one before it.

/// Measurements of one frame. Values are on the 0-255 scale.
public struct FrameStatistics: Codable, Equatable, Sendable {
    /// Frame index, from 0.
    public var index: Int
    public var meanRed: Double
    public var meanGreen: Double
    public var meanBlue: Double
    /// Mean luma, BT.601 weights: Y' = 0.299 R + 0.587 G + 0.114 B.
    public var meanLuma: Double
    /// Mean absolute difference from the previous frame over all pixels and channels (nil for
    /// the first frame): 0 for a still clip.
    public var meanAbsoluteDifference: Double?

    enum CodingKeys: String, CodingKey {
        case index
        case meanRed = "mean_r"
        case meanGreen = "mean_g"
        case meanBlue = "mean_b"
        case meanLuma = "luma"
        case meanAbsoluteDifference = "mad_prev"
    }

    public init(index: Int, meanRed: Double, meanGreen: Double, meanBlue: Double, meanLuma: Double,
                meanAbsoluteDifference: Double?) {
        self.index = index
        self.meanRed = meanRed
        self.meanGreen = meanGreen
        self.meanBlue = meanBlue
        self.meanLuma = meanLuma
        self.meanAbsoluteDifference = meanAbsoluteDifference
    }

    /// Measures `frame` (number `index`), comparing it with `previous` when given (same size).
    public init(_ frame: RGBImage, index: Int, previous: RGBImage? = nil) {
        var r = 0, g = 0, b = 0, diff = 0
        frame.pixels.withUnsafeBufferPointer { p in
            for i in stride(from: 0, to: p.count, by: 3) {
                r += Int(p[i]); g += Int(p[i + 1]); b += Int(p[i + 2])
            }
            if let previous {
                precondition(previous.pixels.count == p.count, "FrameStatistics: frames of different sizes")
                previous.pixels.withUnsafeBufferPointer { q in
                    for i in 0..<p.count { diff += abs(Int(p[i]) - Int(q[i])) }
                }
            }
        }
        let n = Double(max(1, frame.width * frame.height))
        let mr = Double(r) / n, mg = Double(g) / n, mb = Double(b) / n
        self.init(index: index, meanRed: mr, meanGreen: mg, meanBlue: mb, meanLuma: 0.299 * mr + 0.587 * mg + 0.114 * mb,
                  meanAbsoluteDifference: previous == nil ? nil : Double(diff) / (n * 3))
    }

    /// Measures each frame of a clip against the one before.
    public static func measure(_ frames: [RGBImage], firstIndex: Int = 0) -> [FrameStatistics] {
        frames.indices.map { i in
            FrameStatistics(frames[i], index: firstIndex + i, previous: i > 0 ? frames[i - 1] : nil)
        }
    }
}
