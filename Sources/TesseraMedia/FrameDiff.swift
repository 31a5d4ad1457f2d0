// PSNR and SSIM between two frames and two clips, for `tessera diff`.
//
// SSIM follows Wang, Bovik, Sheikh & Simoncelli, "Image Quality Assessment: From Error
// Visibility to Structural Similarity", IEEE TIP 13(4), 2004, and its reference
// implementation `ssim_index.m`: computed on luma (BT.601, 0-255), an 11×11 Gaussian window
// with σ = 1.5 (normalised to sum 1), K1 = 0.01, K2 = 0.03, L = 255, statistics over the
// 'valid' region only (no padding), and the mean of the SSIM map. Frames smaller than 11
// pixels on a side use the largest odd window that fits, with the same σ.

import Foundation

// MARK: - FrameComparison

/// How one frame of clip B compares with the same frame of clip A.
public struct FrameComparison: Codable, Equatable, Sendable {
    /// Frame index, from 0.
    public var index: Int
    /// Mean squared error over all pixels and the three channels (0-255 scale).
    public var meanSquaredError: Double
    /// Mean SSIM over the luma plane; 1 for identical frames.
    public var ssim: Double

    /// 10·log10(255² / MSE) in dB over R, G and B together; `+infinity` when the frames are identical.
    public var psnr: Double { FrameDiff.psnr(meanSquaredError: meanSquaredError) }

    enum CodingKeys: String, CodingKey {
        case index, ssim, psnr
        case meanSquaredError = "mse"
    }

    public init(index: Int, meanSquaredError: Double, ssim: Double) {
        self.index = index
        self.meanSquaredError = meanSquaredError
        self.ssim = ssim
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        index = try c.decode(Int.self, forKey: .index)
        meanSquaredError = try c.decode(Double.self, forKey: .meanSquaredError)
        ssim = try c.decode(Double.self, forKey: .ssim)
    }

    /// JSON has no infinity: an identical frame's `psnr` is written as `null`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(meanSquaredError, forKey: .meanSquaredError)
        try c.encode(ssim, forKey: .ssim)
        if psnr.isFinite { try c.encode(psnr, forKey: .psnr) } else { try c.encodeNil(forKey: .psnr) }
    }
}

// MARK: - ClipComparison

/// Per-frame PSNR and SSIM between two clips of the same size and length, with summaries.
public struct ClipComparison: Codable, Sendable {
    public var pathA: String
    public var pathB: String
    public var width: Int
    public var height: Int
    public var frames: [FrameComparison]

    enum CodingKeys: String, CodingKey {
        case pathA = "a", pathB = "b", width, height, frames, summary
    }

    public init(pathA: String, pathB: String, width: Int, height: Int, frames: [FrameComparison]) {
        self.pathA = pathA
        self.pathB = pathB
        self.width = width
        self.height = height
        self.frames = frames
    }

    /// PSNR of the clip's mean MSE (every pixel of every frame weighs the same); infinite
    /// only when every frame is identical.
    public var meanPSNR: Double {
        FrameDiff.psnr(meanSquaredError: frames.map(\.meanSquaredError).reduce(0, +) / Double(max(1, frames.count)))
    }
    /// The worst frame's PSNR.
    public var minPSNR: Double { frames.map(\.psnr).min() ?? .infinity }
    public var meanSSIM: Double { frames.map(\.ssim).reduce(0, +) / Double(max(1, frames.count)) }
    public var minSSIM: Double { frames.map(\.ssim).min() ?? 1 }
    /// True when every frame is identical.
    public var identical: Bool { frames.allSatisfy { $0.meanSquaredError == 0 } }

    struct Summary: Codable {
        var frames: Int
        var identical: Bool
        var psnr_mean: Double?
        var psnr_min: Double?
        var ssim_mean: Double
        var ssim_min: Double
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pathA = try c.decode(String.self, forKey: .pathA)
        pathB = try c.decode(String.self, forKey: .pathB)
        width = try c.decode(Int.self, forKey: .width)
        height = try c.decode(Int.self, forKey: .height)
        frames = try c.decode([FrameComparison].self, forKey: .frames)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pathA, forKey: .pathA)
        try c.encode(pathB, forKey: .pathB)
        try c.encode(width, forKey: .width)
        try c.encode(height, forKey: .height)
        try c.encode(frames, forKey: .frames)
        try c.encode(Summary(frames: frames.count, identical: identical,
                             psnr_mean: meanPSNR.isFinite ? meanPSNR : nil, psnr_min: minPSNR.isFinite ? minPSNR : nil,
                             ssim_mean: meanSSIM, ssim_min: minSSIM), forKey: .summary)
    }

    /// A table for the terminal: one line per frame, then the summary.
    public var textReport: String {
        func db(_ v: Double) -> String { v.isFinite ? String(format: "%8.2f", v) : "     inf" }
        var lines = ["A: \(pathA)", "B: \(pathB)", "size \(width)x\(height), \(frames.count) frames", "",
                     " frame  PSNR (dB)    SSIM"]
        for f in frames { lines.append(String(format: "%6d   ", f.index) + db(f.psnr) + String(format: "  %7.5f", f.ssim)) }
        lines.append("")
        lines.append("PSNR mean " + db(meanPSNR).trimmingCharacters(in: .whitespaces) + " dB, min "
                     + db(minPSNR).trimmingCharacters(in: .whitespaces) + " dB; SSIM mean "
                     + String(format: "%.5f", meanSSIM) + ", min " + String(format: "%.5f", minSSIM)
                     + (identical ? " (identical)" : ""))
        return lines.joined(separator: "\n")
    }
}

// MARK: - FrameDiff

/// PSNR and SSIM kernels and clip comparison.
public enum FrameDiff {
    /// 10·log10(255² / mse); `+infinity` for mse = 0.
    public static func psnr(meanSquaredError mse: Double) -> Double {
        mse <= 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    /// Mean squared error over every byte (pixel × channel) of two same-size images.
    public static func meanSquaredError(_ a: RGBImage, _ b: RGBImage) -> Double {
        precondition(a.width == b.width && a.height == b.height, "FrameDiff: images of different sizes")
        var sum = 0
        a.pixels.withUnsafeBufferPointer { p in
            b.pixels.withUnsafeBufferPointer { q in
                for i in 0..<p.count { let d = Int(p[i]) - Int(q[i]); sum += d * d }
            }
        }
        return Double(sum) / Double(max(1, a.pixels.count))
    }

    /// PSNR in dB over R, G and B together; `+infinity` for identical images.
    public static func psnr(_ a: RGBImage, _ b: RGBImage) -> Double { psnr(meanSquaredError: meanSquaredError(a, b)) }

    /// The luma plane, BT.601 (Y' = 0.299 R + 0.587 G + 0.114 B), 0-255, row-major (H, W).
    public static func luma(_ image: RGBImage) -> [Double] {
        var out = [Double](repeating: 0, count: image.width * image.height)
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<out.count {
                out[i] = 0.299 * Double(p[3 * i]) + 0.587 * Double(p[3 * i + 1]) + 0.114 * Double(p[3 * i + 2])
            }
        }
        return out
    }

    /// The normalised 1-D Gaussian of `size` taps and standard deviation `sigma` (the 2-D
    /// window is its outer product with itself, as `fspecial('gaussian', 11, 1.5)`).
    public static func gaussianWindow(size: Int, sigma: Double) -> [Double] {
        let c = Double(size - 1) / 2
        let w = (0..<size).map { exp(-(Double($0) - c) * (Double($0) - c) / (2 * sigma * sigma)) }
        let s = w.reduce(0, +)
        return w.map { $0 / s }
    }

    /// Mean SSIM of two same-size images on their luma planes (see the file header).
    public static func ssim(_ a: RGBImage, _ b: RGBImage) -> Double {
        precondition(a.width == b.width && a.height == b.height, "FrameDiff: images of different sizes")
        return ssim(luma: luma(a), luma(b), width: a.width, height: a.height)
    }

    /// Mean SSIM of two luma planes (H, W), 0-255 scale.
    public static func ssim(luma x: [Double], _ y: [Double], width: Int, height: Int) -> Double {
        precondition(x.count == width * height && y.count == width * height && width > 0 && height > 0)
        var size = min(11, width, height)
        if size % 2 == 0 { size -= 1 }
        let window = gaussianWindow(size: size, sigma: 1.5)
        let c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255)
        var xx = [Double](repeating: 0, count: x.count), yy = xx, xy = xx
        for i in 0..<x.count { xx[i] = x[i] * x[i]; yy[i] = y[i] * y[i]; xy[i] = x[i] * y[i] }
        let ow = width - size + 1, oh = height - size + 1
        let mx = filterValid(x, width: width, height: height, window: window)
        let my = filterValid(y, width: width, height: height, window: window)
        let sxx = filterValid(xx, width: width, height: height, window: window)
        let syy = filterValid(yy, width: width, height: height, window: window)
        let sxy = filterValid(xy, width: width, height: height, window: window)
        var total = 0.0
        for i in 0..<(ow * oh) {
            let vx = sxx[i] - mx[i] * mx[i], vy = syy[i] - my[i] * my[i], cov = sxy[i] - mx[i] * my[i]
            total += ((2 * mx[i] * my[i] + c1) * (2 * cov + c2))
                / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2))
        }
        return total / Double(ow * oh)
    }

    /// Separable 'valid' correlation of `plane` (H, W) with `window` ⊗ `window`:
    /// output (H − k + 1, W − k + 1).
    static func filterValid(_ plane: [Double], width: Int, height: Int, window: [Double]) -> [Double] {
        let k = window.count, ow = width - k + 1, oh = height - k + 1
        var rows = [Double](repeating: 0, count: height * ow)  // (H, W − k + 1)
        for y in 0..<height {
            for x in 0..<ow {
                var s = 0.0
                for t in 0..<k { s += plane[y * width + x + t] * window[t] }
                rows[y * ow + x] = s
            }
        }
        var out = [Double](repeating: 0, count: oh * ow)  // (H − k + 1, W − k + 1)
        for y in 0..<oh {
            for x in 0..<ow {
                var s = 0.0
                for t in 0..<k { s += rows[(y + t) * ow + x] * window[t] }
                out[y * ow + x] = s
            }
        }
        return out
    }

    /// Compares frame i of `a` with frame i of `b`; they must agree in count and size.
    public static func compare(_ a: [RGBImage], _ b: [RGBImage], pathA: String = "A", pathB: String = "B") throws
        -> ClipComparison
    {
        guard let first = a.first, let firstB = b.first else {
            throw InspectionError.clipMismatch(pathA: pathA, pathB: pathB, reason: "one of them has no frames")
        }
        guard a.count == b.count else {
            throw InspectionError.clipMismatch(pathA: pathA, pathB: pathB,
                                          reason: "\(a.count) frames vs \(b.count) frames; compare clips of the same length (or pass --range to `tessera frames` first)")
        }
        guard first.width == firstB.width && first.height == firstB.height else {
            throw InspectionError.clipMismatch(pathA: pathA, pathB: pathB,
                                          reason: "\(first.width)x\(first.height) vs \(firstB.width)x\(firstB.height); compare clips of the same size")
        }
        let frames = zip(a, b).enumerated().map { i, pair in
            FrameComparison(index: i, meanSquaredError: meanSquaredError(pair.0, pair.1), ssim: ssim(pair.0, pair.1))
        }
        return ClipComparison(pathA: pathA, pathB: pathB, width: first.width, height: first.height, frames: frames)
    }

    /// Reads two clips (videos, frame folders or `generate` output folders) and compares them.
    public static func compare(_ a: URL, _ b: URL) throws -> ClipComparison {
        let framesA = try ClipFrames.load(a).frames, framesB = try ClipFrames.load(b).frames
        return try compare(framesA, framesB, pathA: a.path, pathB: b.path)
    }
}
