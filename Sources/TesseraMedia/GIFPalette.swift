// One 256-colour palette for a whole clip, as ffmpeg's palettegen (stats_mode=full) +
// paletteuse do it, without linking libavfilter: a colour histogram over every frame,
// median cut, then Floyd-Steinberg error diffusion into the palette.

/// A palette of up to 256 colours computed over all frames of a clip, and the quantiser that
/// maps frames into it.
public struct GIFPalette: Sendable {
    /// The colours, (R, G, B), at most 256.
    public private(set) var colors: [(UInt8, UInt8, UInt8)]

    /// Histogram resolution: 5 bits per channel (32768 bins). Each bin also sums the exact
    /// colours that fell in it, so a box's colour is the mean of real pixels, not a bin centre:
    /// a clip with at most 256 distinct colours (one per bin) is reproduced exactly.
    private static let bits = 5

    /// Builds the palette from `frames` (all the same size).
    public init(frames: [RGBImage], maxColors: Int = 256) {
        precondition((1...256).contains(maxColors))
        let binCount = 1 << (3 * Self.bits)
        var count = [Int](repeating: 0, count: binCount)
        var sum = [(Int, Int, Int)](repeating: (0, 0, 0), count: binCount)
        for frame in frames {
            frame.pixels.withUnsafeBufferPointer { p in
                for i in stride(from: 0, to: p.count, by: 3) {
                    let bin = Self.bin(p[i], p[i + 1], p[i + 2])
                    count[bin] += 1
                    sum[bin].0 += Int(p[i]); sum[bin].1 += Int(p[i + 1]); sum[bin].2 += Int(p[i + 2])
                }
            }
        }
        let used = (0..<binCount).filter { count[$0] > 0 }
        var boxes: [[Int]] = used.isEmpty ? [] : [used]
        // Median cut: split the box with the most pixels times its widest channel range, at
        // the pixel-weighted median of that channel, until there are enough boxes.
        while boxes.count < maxColors {
            var best = -1, bestScore = 0, bestAxis = 0
            for (b, box) in boxes.enumerated() where box.count > 1 {
                var lo = [Int](repeating: Int.max, count: 3), hi = [Int](repeating: Int.min, count: 3)
                var population = 0
                for bin in box {
                    let c = Self.components(bin)
                    for a in 0..<3 { lo[a] = min(lo[a], c[a]); hi[a] = max(hi[a], c[a]) }
                    population += count[bin]
                }
                let ranges = (0..<3).map { hi[$0] - lo[$0] }
                let axis = ranges.firstIndex(of: ranges.max()!)!
                let score = ranges[axis] * population
                if score > bestScore { best = b; bestScore = score; bestAxis = axis }
            }
            if best < 0 { break }
            let box = boxes[best].sorted { Self.components($0)[bestAxis] < Self.components($1)[bestAxis] }
            let total = box.reduce(0) { $0 + count[$1] }
            var running = 0, cut = 1
            for (i, bin) in box.enumerated() {
                running += count[bin]
                if running * 2 >= total { cut = max(1, min(box.count - 1, i + 1)); break }
            }
            boxes[best] = Array(box[..<cut])
            boxes.append(Array(box[cut...]))
        }
        colors = boxes.map { box in
            var n = 0, r = 0, g = 0, b = 0
            for bin in box { n += count[bin]; r += sum[bin].0; g += sum[bin].1; b += sum[bin].2 }
            return (UInt8((r + n / 2) / n), UInt8((g + n / 2) / n), UInt8((b + n / 2) / n))
        }
        if colors.isEmpty { colors = [(0, 0, 0)] }
    }

    /// The palette as the GIF encoder takes it: 256 entries of 0xAARRGGBB, opaque, unused
    /// entries black.
    public var argb: [UInt32] {
        var out = [UInt32](repeating: 0xFF00_0000, count: 256)
        for (i, c) in colors.enumerated() {
            out[i] = 0xFF00_0000 | UInt32(c.0) << 16 | UInt32(c.1) << 8 | UInt32(c.2)
        }
        return out
    }

    // MARK: - Quantisation

    /// Maps `frame` to palette indices (`width * height` bytes) with Floyd-Steinberg error
    /// diffusion; colours in the palette map to themselves with no added noise.
    public func indices(for frame: RGBImage) -> [UInt8] {
        let w = frame.width, h = frame.height
        var out = [UInt8](repeating: 0, count: w * h)
        // Errors of the current and next row, in 1/16 units, 3 channels, one guard column each side.
        var current = [Int](repeating: 0, count: (w + 2) * 3), next = current
        var cacheKey = [Int32](repeating: -1, count: 1 << 15), cacheValue = [UInt8](repeating: 0, count: 1 << 15)
        let palette = colors.map { (Int($0.0), Int($0.1), Int($0.2)) }
        for y in 0..<h {
            for i in next.indices { next[i] = 0 }
            for x in 0..<w {
                let p = (y * w + x) * 3, e = (x + 1) * 3
                let r = max(0, min(255, Int(frame.pixels[p]) + current[e] / 16))
                let g = max(0, min(255, Int(frame.pixels[p + 1]) + current[e + 1] / 16))
                let b = max(0, min(255, Int(frame.pixels[p + 2]) + current[e + 2] / 16))
                let key = Self.bin(UInt8(r), UInt8(g), UInt8(b)), full = Int32(r << 16 | g << 8 | b)
                let index: Int
                if cacheKey[key] == full {
                    index = Int(cacheValue[key])
                } else {
                    index = Self.nearest(r, g, b, in: palette)
                    cacheKey[key] = full
                    cacheValue[key] = UInt8(index)
                }
                out[y * w + x] = UInt8(index)
                let q = palette[index]
                let er = r - q.0, eg = g - q.1, eb = b - q.2
                current[e + 3] += er * 7; current[e + 4] += eg * 7; current[e + 5] += eb * 7
                next[e - 3] += er * 3; next[e - 2] += eg * 3; next[e - 1] += eb * 3
                next[e] += er * 5; next[e + 1] += eg * 5; next[e + 2] += eb * 5
                next[e + 3] += er; next[e + 4] += eg; next[e + 5] += eb
            }
            swap(&current, &next)
        }
        return out
    }

    // MARK: - Helpers

    private static func bin(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        Int(r >> 3) << 10 | Int(g >> 3) << 5 | Int(b >> 3)
    }

    private static func components(_ bin: Int) -> [Int] { [bin >> 10 & 31, bin >> 5 & 31, bin & 31] }

    private static func nearest(_ r: Int, _ g: Int, _ b: Int, in palette: [(Int, Int, Int)]) -> Int {
        var best = 0, bestDistance = Int.max
        for (i, c) in palette.enumerated() {
            // Weighted squared distance (the eye is most sensitive to green, least to blue).
            let dr = r - c.0, dg = g - c.1, db = b - c.2
            let d = 2 * dr * dr + 4 * dg * dg + 3 * db * db
            if d < bestDistance { bestDistance = d; best = i; if d == 0 { break } }
        }
        return best
    }
}
