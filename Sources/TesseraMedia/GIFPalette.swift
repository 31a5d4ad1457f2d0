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
        // Median cut: split the box with the most pixels times its widest channel range, at
        // the pixel-weighted median of that channel, until there are enough boxes. Each box's
        // score is computed once, when it is made.
        struct Box {
            var bins: [Int]
            var score = 0
            var axis = 0
        }
        func measured(_ bins: [Int]) -> Box {
            var lo = (31, 31, 31), hi = (0, 0, 0), population = 0
            for bin in bins {
                let r = bin >> 10 & 31, g = bin >> 5 & 31, b = bin & 31
                lo = (min(lo.0, r), min(lo.1, g), min(lo.2, b))
                hi = (max(hi.0, r), max(hi.1, g), max(hi.2, b))
                population += count[bin]
            }
            let ranges = [hi.0 - lo.0, hi.1 - lo.1, hi.2 - lo.2]
            let axis = ranges.firstIndex(of: ranges.max()!)!
            return Box(bins: bins, score: bins.count > 1 ? ranges[axis] * population : 0, axis: axis)
        }
        var boxes: [Box] = used.isEmpty ? [] : [measured(used)]
        while boxes.count < maxColors {
            guard let best = boxes.indices.max(by: { boxes[$0].score < boxes[$1].score }), boxes[best].score > 0 else { break }
            let shift = 10 - 5 * boxes[best].axis
            let box = boxes[best].bins.sorted { ($0 >> shift & 31, $0) < ($1 >> shift & 31, $1) }
            let total = box.reduce(0) { $0 + count[$1] }
            var running = 0, cut = 1
            for (i, bin) in box.enumerated() {
                running += count[bin]
                if running * 2 >= total { cut = max(1, min(box.count - 1, i + 1)); break }
            }
            boxes[best] = measured(Array(box[..<cut]))
            boxes.append(measured(Array(box[cut...])))
        }
        colors = boxes.map { box in
            var n = 0, r = 0, g = 0, b = 0
            for bin in box.bins { n += count[bin]; r += sum[bin].0; g += sum[bin].1; b += sum[bin].2 }
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
        var result: [UInt8] = []
        quantize([frame]) { _, indices in result = indices }
        return result
    }

    /// Maps each of `frames` to palette indices in turn (one nearest-colour cache for the
    /// whole clip) and hands them to `body` with the frame's position.
    public func quantize(_ frames: [RGBImage], _ body: (Int, [UInt8]) throws -> Void) rethrows {
        // Nearest palette entry per exact colour, computed once per distinct colour
        // (0xFFFF: not yet known).
        var nearestCache = [UInt16](repeating: 0xFFFF, count: 1 << 24)
        let palette = colors.map { (Int($0.0), Int($0.1), Int($0.2)) }
        var previous: (frame: RGBImage, indices: [UInt8])?
        for (position, frame) in frames.enumerated() {
            let indices = Self.diffuse(frame, previous: previous, palette: palette, cache: &nearestCache)
            try body(position, indices)
            previous = (frame, indices)
        }
    }

    /// Floyd-Steinberg over one frame. Temporal stability: a pixel whose colour is within 1 of
    /// the same pixel in the previous frame keeps that frame's index (and passes on only its
    /// own quantisation error), so still regions do not shimmer from frame to frame and FFmpeg's
    /// GIF encoder can crop each frame to what changed.
    private static func diffuse(_ frame: RGBImage, previous: (frame: RGBImage, indices: [UInt8])?,
                                palette: [(Int, Int, Int)], cache nearestCache: inout [UInt16]) -> [UInt8] {
        let w = frame.width, h = frame.height
        var out = [UInt8](repeating: 0, count: w * h)
        // Errors of the current and next row, in 1/16 units, 3 channels, one guard column each side.
        var current = [Int](repeating: 0, count: (w + 2) * 3), next = current
        for y in 0..<h {
            for i in next.indices { next[i] = 0 }
            for x in 0..<w {
                let p = (y * w + x) * 3, e = (x + 1) * 3
                let sr = Int(frame.pixels[p]), sg = Int(frame.pixels[p + 1]), sb = Int(frame.pixels[p + 2])
                var r = max(0, min(255, sr + (current[e] + 8) >> 4))
                var g = max(0, min(255, sg + (current[e + 1] + 8) >> 4))
                var b = max(0, min(255, sb + (current[e + 2] + 8) >> 4))
                var index: Int
                if let previous, abs(Int(previous.frame.pixels[p]) - sr) <= 1,
                   abs(Int(previous.frame.pixels[p + 1]) - sg) <= 1, abs(Int(previous.frame.pixels[p + 2]) - sb) <= 1 {
                    index = Int(previous.indices[y * w + x])
                    (r, g, b) = (sr, sg, sb)
                } else {
                    let key = r << 16 | g << 8 | b
                    index = Int(nearestCache[key])
                    if index == 0xFFFF {
                        index = nearest(r, g, b, in: palette)
                        nearestCache[key] = UInt16(index)
                    }
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
