// Draws frames in a terminal with 24-bit colour half-block characters: each character cell
// shows two pixels, the upper one as the foreground colour of "▀" (U+2580 UPPER HALF BLOCK)
// and the lower one as the background colour. Terminal cells are about twice as tall as wide,
// so one cell per column and two pixel rows per line keeps pixels square.

import Foundation

/// Renders `RGBImage`s as ANSI text: SGR 38;2;R;G;B (foreground) and 48;2;R;G;B (background).
public enum TerminalRenderer {
    /// The upper-half block drawn in every cell.
    public static let halfBlock = "\u{2580}"
    /// SGR reset: default colours and attributes.
    public static let reset = "\u{1B}[0m"

    /// The pixel size a frame of `width` x `height` is scaled to so that it is `columns`
    /// cells wide (never enlarged beyond its own width), keeping its aspect ratio; the height
    /// is rounded up to an even number of pixels (two per text line).
    public static func fittedSize(width: Int, height: Int, columns: Int) -> (width: Int, height: Int) {
        precondition(width > 0 && height > 0 && columns > 0)
        let w = min(width, columns)
        var h = max(1, Int((Double(height) * Double(w) / Double(width)).rounded()))
        if h % 2 == 1 { h += 1 }
        return (w, h)
    }

    /// The lines of text that draw `image` `columns` cells wide (see `fittedSize`), each line
    /// ending with a reset so colours never bleed into the rest of the terminal. Colour codes
    /// are written only when they change along a line. No trailing newline on the last line.
    public static func render(_ image: RGBImage, columns: Int) -> [String] {
        let size = fittedSize(width: image.width, height: image.height, columns: columns)
        return render(fitted: image.resized(toWidth: size.width, height: size.height))
    }

    /// The lines that draw `image` at its own size: one cell per column, two pixel rows per
    /// line (an odd last row is drawn over black).
    public static func render(fitted image: RGBImage) -> [String] {
        var lines: [String] = []
        lines.reserveCapacity((image.height + 1) / 2)
        for row in stride(from: 0, to: image.height, by: 2) {
            var line = ""
            line.reserveCapacity(image.width * 40)
            var foreground: (UInt8, UInt8, UInt8)?, background: (UInt8, UInt8, UInt8)?
            for x in 0..<image.width {
                let top = image[x, row]
                let bottom = row + 1 < image.height ? image[x, row + 1] : (0, 0, 0)
                if foreground == nil || foreground! != top {
                    line += "\u{1B}[38;2;\(top.0);\(top.1);\(top.2)m"
                    foreground = top
                }
                if background == nil || background! != bottom {
                    line += "\u{1B}[48;2;\(bottom.0);\(bottom.1);\(bottom.2)m"
                    background = bottom
                }
                line += halfBlock
            }
            lines.append(line + reset)
        }
        return lines
    }

    /// The terminal's width in columns from `ioctl(TIOCGWINSZ)` on standard output, then
    /// standard error, then `$COLUMNS`; 80 when none answers.
    public static func terminalColumns() -> Int {
        for fd in [STDOUT_FILENO, STDERR_FILENO, STDIN_FILENO] {
            var size = winsize()
            if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        }
        if let value = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(value), n > 0 { return n }
        return 80
    }

    /// The terminal's height in lines (as `terminalColumns`), or nil when unknown.
    public static func terminalRows() -> Int? {
        for fd in [STDOUT_FILENO, STDERR_FILENO, STDIN_FILENO] {
            var size = winsize()
            if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 { return Int(size.ws_row) }
        }
        return nil
    }
}
