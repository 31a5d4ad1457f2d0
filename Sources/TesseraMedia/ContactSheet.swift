// A grid of a clip's frames with their numbers drawn on them: one picture of the whole clip.

/// Lays frames out in a grid, left to right, top to bottom, each labelled with its number.
public enum ContactSheet {
    /// Renders `frames` in `columns` columns. Each cell is the frame resized to `cellWidth`
    /// (height keeps the aspect ratio; nil: the frame's own size), separated by `spacing`
    /// pixels of dark grey, with `labels[i]` (default: the frame number `firstNumber + i`)
    /// drawn in its top-left corner.
    public static func render(
        _ frames: [RGBImage], columns: Int, cellWidth: Int? = nil, spacing: Int = 2, labels: [String]? = nil,
        firstNumber: Int = 0
    ) -> RGBImage {
        precondition(!frames.isEmpty && columns > 0 && spacing >= 0)
        precondition(labels == nil || labels!.count == frames.count)
        let columns = min(columns, frames.count)
        let rows = (frames.count + columns - 1) / columns
        let w = cellWidth ?? frames[0].width
        let h = max(1, Int((Double(frames[0].height) * Double(w) / Double(frames[0].width)).rounded()))
        let sheetWidth = columns * w + (columns + 1) * spacing, sheetHeight = rows * h + (rows + 1) * spacing
        var sheet = RGBImage(width: sheetWidth, height: sheetHeight, red: 32, green: 32, blue: 32)
        // Labels stay legible but small: 1 font pixel per 64 cell pixels, at least 1.
        let scale = max(1, min(w, h) / 64)
        for (i, frame) in frames.enumerated() {
            let cell = frame.width == w && frame.height == h ? frame : frame.resized(toWidth: w, height: h)
            let x0 = spacing + (i % columns) * (w + spacing), y0 = spacing + (i / columns) * (h + spacing)
            for y in 0..<h {
                let src = y * w * 3, dst = ((y0 + y) * sheetWidth + x0) * 3
                sheet.pixels.replaceSubrange(dst..<dst + w * 3, with: cell.pixels[src..<src + w * 3])
            }
            DigitFont.draw(labels?[i] ?? String(firstNumber + i), into: &sheet, x: x0, y: y0, scale: scale)
        }
        return sheet
    }
}
