// An 8-bit RGB picture: the unit every media reader and writer in Tessera exchanges.

/// An 8-bit RGB image, samples interleaved (R, G, B) row by row from the top-left corner.
public struct RGBImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// `width * height * 3` bytes: RGB interleaved, row-major, no row padding.
    public var pixels: [UInt8]

    /// Wraps `pixels`; their count must be `width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3,
                     "RGBImage: \(pixels.count) bytes for \(width)x\(height) (expected \(width * height * 3))")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A `width` x `height` image filled with one colour.
    public init(width: Int, height: Int, red: UInt8 = 0, green: UInt8 = 0, blue: UInt8 = 0) {
        self.width = width
        self.height = height
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in stride(from: 0, to: pixels.count, by: 3) {
            pixels[i] = red
            pixels[i + 1] = green
            pixels[i + 2] = blue
        }
        self.pixels = pixels
    }

    /// The (R, G, B) triple at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        get {
            let i = (y * width + x) * 3
            return (pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            let i = (y * width + x) * 3
            pixels[i] = newValue.0
            pixels[i + 1] = newValue.1
            pixels[i + 2] = newValue.2
        }
    }

    // MARK: - Geometry

    /// This image enlarged to `newWidth` x `newHeight` by repeating its last column and row
    /// (edge replication keeps padded borders cheap to encode and invisible when cropped).
    public func padded(toWidth newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(newWidth >= width && newHeight >= height && width > 0 && height > 0)
        if newWidth == width && newHeight == height { return self }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        for y in 0..<newHeight {
            let sy = min(y, height - 1)
            for x in 0..<newWidth {
                let sx = min(x, width - 1)
                let s = (sy * width + sx) * 3, d = (y * newWidth + x) * 3
                out[d] = pixels[s]
                out[d + 1] = pixels[s + 1]
                out[d + 2] = pixels[s + 2]
            }
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: out)
    }

    /// The `w` x `h` region whose top-left corner is (`x`, `y`); it must lie inside the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> RGBImage {
        precondition(x >= 0 && y >= 0 && w >= 0 && h >= 0 && x + w <= width && y + h <= height)
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for row in 0..<h {
            let s = ((y + row) * width + x) * 3
            out.replaceSubrange(row * w * 3..<(row + 1) * w * 3, with: pixels[s..<s + w * 3])
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// This image resampled to `newWidth` x `newHeight`: box-filtered (area average) when
    /// shrinking, bilinear when enlarging.
    public func resized(toWidth newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(newWidth > 0 && newHeight > 0 && width > 0 && height > 0)
        if newWidth == width && newHeight == height { return self }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        let sx = Double(width) / Double(newWidth), sy = Double(height) / Double(newHeight)
        for y in 0..<newHeight {
            for x in 0..<newWidth {
                var acc = (0.0, 0.0, 0.0)
                if sx >= 1 && sy >= 1 {
                    let x0 = Int(Double(x) * sx), x1 = max(x0 + 1, Int(Double(x + 1) * sx))
                    let y0 = Int(Double(y) * sy), y1 = max(y0 + 1, Int(Double(y + 1) * sy))
                    for yy in y0..<min(y1, height) {
                        for xx in x0..<min(x1, width) {
                            let i = (yy * width + xx) * 3
                            acc.0 += Double(pixels[i]); acc.1 += Double(pixels[i + 1]); acc.2 += Double(pixels[i + 2])
                        }
                    }
                    let n = Double((min(y1, height) - y0) * (min(x1, width) - x0))
                    acc = (acc.0 / n, acc.1 / n, acc.2 / n)
                } else {
                    let fx = max(0, min(Double(width - 1), (Double(x) + 0.5) * sx - 0.5))
                    let fy = max(0, min(Double(height - 1), (Double(y) + 0.5) * sy - 0.5))
                    let x0 = Int(fx), y0 = Int(fy), x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
                    let ax = fx - Double(x0), ay = fy - Double(y0)
                    for c in 0..<3 {
                        let p00 = Double(pixels[(y0 * width + x0) * 3 + c]), p01 = Double(pixels[(y0 * width + x1) * 3 + c])
                        let p10 = Double(pixels[(y1 * width + x0) * 3 + c]), p11 = Double(pixels[(y1 * width + x1) * 3 + c])
                        let v = (p00 * (1 - ax) + p01 * ax) * (1 - ay) + (p10 * (1 - ax) + p11 * ax) * ay
                        if c == 0 { acc.0 = v } else if c == 1 { acc.1 = v } else { acc.2 = v }
                    }
                }
                let d = (y * newWidth + x) * 3
                out[d] = UInt8(max(0, min(255, acc.0.rounded())))
                out[d + 1] = UInt8(max(0, min(255, acc.1.rounded())))
                out[d + 2] = UInt8(max(0, min(255, acc.2.rounded())))
            }
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: out)
    }
}
