// A 3x5 pixel bitmap font for frame numbers on contact sheets (digits and a few marks), so
// Tessera needs no font library.

/// Draws short labels (digits, `:`, `.`, `-`, `/`, space) into an `RGBImage`.
public enum DigitFont {
    /// Glyph rows, top to bottom; bit 2 is the left column.
    private static let glyphs: [Character: [UInt8]] = [
        "0": [7, 5, 5, 5, 7], "1": [2, 6, 2, 2, 7], "2": [7, 1, 7, 4, 7], "3": [7, 1, 7, 1, 7],
        "4": [5, 5, 7, 1, 1], "5": [7, 4, 7, 1, 7], "6": [7, 4, 7, 5, 7], "7": [7, 1, 1, 1, 1],
        "8": [7, 5, 7, 5, 7], "9": [7, 5, 7, 1, 7], ":": [0, 2, 0, 2, 0], ".": [0, 0, 0, 0, 2],
        "-": [0, 0, 7, 0, 0], "/": [1, 1, 2, 4, 4], " ": [0, 0, 0, 0, 0],
    ]

    public static let glyphWidth = 3
    public static let glyphHeight = 5

    /// The size in pixels of `text` drawn at `scale` (1 px gap between glyphs, 1 px margin).
    public static func size(of text: String, scale: Int) -> (width: Int, height: Int) {
        ((text.count * (glyphWidth + 1) + 1) * scale, (glyphHeight + 2) * scale)
    }

    /// Draws `text` with its top-left corner at (`x`, `y`) on a dark box, in white, each font
    /// pixel `scale` x `scale`; clipped to the image. Characters without a glyph draw as spaces.
    public static func draw(_ text: String, into image: inout RGBImage, x: Int, y: Int, scale: Int = 2,
                            color: (UInt8, UInt8, UInt8) = (255, 255, 255), background: (UInt8, UInt8, UInt8)? = (0, 0, 0)) {
        let box = size(of: text, scale: scale)
        if let background { fill(&image, x: x, y: y, width: box.width, height: box.height, color: background) }
        for (n, character) in text.enumerated() {
            guard let rows = glyphs[character] else { continue }
            let gx = x + (1 + n * (glyphWidth + 1)) * scale, gy = y + scale
            for (row, bits) in rows.enumerated() {
                for col in 0..<glyphWidth where bits & (4 >> col) != 0 {
                    fill(&image, x: gx + col * scale, y: gy + row * scale, width: scale, height: scale, color: color)
                }
            }
        }
    }

    static func fill(_ image: inout RGBImage, x: Int, y: Int, width: Int, height: Int, color: (UInt8, UInt8, UInt8)) {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(image.width, x + width), y1 = min(image.height, y + height)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 {
            for xx in x0..<x1 { image[xx, yy] = color }
        }
    }
}
