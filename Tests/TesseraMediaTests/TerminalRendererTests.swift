// The half-block terminal renderer: output size and exact escape codes for known images.

import Foundation
import TesseraMedia
import XCTest

final class TerminalRendererTests: XCTestCase {
    private func fg(_ r: Int, _ g: Int, _ b: Int) -> String { "\u{1B}[38;2;\(r);\(g);\(b)m" }
    private func bg(_ r: Int, _ g: Int, _ b: Int) -> String { "\u{1B}[48;2;\(r);\(g);\(b)m" }

    /// A 4x4 image: rows 0 and 1 make line 1, rows 2 and 3 line 2; colour codes appear only
    /// when they change along a line, and each line ends with a reset.
    func testFourByFourImageExactOutput() {
        var image = RGBImage(width: 4, height: 4)
        for x in 0..<4 {
            image[x, 0] = (255, 0, 0)                      // red on top
            image[x, 1] = x < 2 ? (0, 255, 0) : (0, 0, 255)  // green, then blue below
            image[x, 2] = (UInt8(x * 10), 20, 30)           // changes every column
            image[x, 3] = (1, 2, 3)
        }
        let lines = TerminalRenderer.render(image, columns: 4)
        XCTAssertEqual(lines.count, 2)
        let block = "\u{2580}", reset = "\u{1B}[0m"
        XCTAssertEqual(lines[0], fg(255, 0, 0) + bg(0, 255, 0) + block + block + bg(0, 0, 255) + block + block + reset)
        XCTAssertEqual(lines[1], fg(0, 20, 30) + bg(1, 2, 3) + block + fg(10, 20, 30) + block + fg(20, 20, 30) + block
                       + fg(30, 20, 30) + block + reset)
        for line in lines {
            XCTAssertEqual(line.filter { $0 == "\u{2580}" }.count, 4, "one cell per pixel column")
        }
    }

    func testScalingFitsColumnsAndKeepsAspect() {
        XCTAssertEqual(TerminalRenderer.fittedSize(width: 128, height: 128, columns: 80).width, 80)
        XCTAssertEqual(TerminalRenderer.fittedSize(width: 128, height: 128, columns: 80).height, 80)
        XCTAssertEqual(TerminalRenderer.fittedSize(width: 48, height: 32, columns: 200).width, 48, "never enlarged")
        XCTAssertEqual(TerminalRenderer.fittedSize(width: 9, height: 5, columns: 9).height, 6, "rounded up to even")
        let flat = RGBImage(width: 4, height: 4, red: 7, green: 8, blue: 9)
        let half = TerminalRenderer.render(flat, columns: 2)
        XCTAssertEqual(half, [fg(7, 8, 9) + bg(7, 8, 9) + "\u{2580}\u{2580}\u{1B}[0m"])
    }

    func testOddHeightDrawsLastRowOverBlack() {
        let image = RGBImage(width: 1, height: 3, red: 50, green: 60, blue: 70)
        let lines = TerminalRenderer.render(fitted: image)
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines[1], fg(50, 60, 70) + bg(0, 0, 0) + "\u{2580}\u{1B}[0m")
    }

    func testTerminalColumnsFallsBackWithoutATerminal() {
        // Under `swift test` the descriptors may or may not be terminals; either way a width comes back.
        XCTAssertGreaterThan(TerminalRenderer.terminalColumns(), 0)
    }
}
