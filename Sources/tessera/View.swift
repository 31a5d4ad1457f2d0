// `tessera view`: a clip drawn in the terminal with 24-bit colour half-block characters.

import ArgumentParser
import Foundation
import TesseraMedia

struct View: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a clip's frames in the terminal (24-bit colour, two pixels per character cell).",
        discussion: """
            Each character cell is "▀" with the upper pixel as foreground colour and the lower \
            pixel as background, so a frame W pixels wide takes W columns and H/2 lines. Frames are \
            scaled down to fit --width columns (default: the terminal's width, 80 when unknown), \
            never enlarged. Without --frame or --play, every frame is printed one after another \
            with its number. --play animates in place at the clip's fps (or --fps) until the end, \
            a key press or Ctrl-C, then restores the terminal (cursor, colours, input mode).

            Examples:
              tessera view outputs/demo/clip.mp4 --frame 0
              tessera view outputs/demo --play
              tessera view outputs/demo/frames --width 64 --play --loop
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Video file, folder of PNG frames, or a `generate` output folder.")
    var path: String

    @Option(help: "Show only this frame (from 0).")
    var frame: Int?

    @Flag(help: "Animate in place at the clip's frame rate.")
    var play = false

    @Flag(help: "With --play, repeat until a key is pressed.")
    var loop = false

    @Option(help: "Frame rate for --play (default: the clip's, else 16).")
    var fps: Double?

    @Option(help: "Width in character columns (default: the terminal's width).")
    var width: Int?

    func validate() throws {
        if frame != nil && play { throw ValidationError("--frame and --play cannot be used together.") }
        if let frame, frame < 0 { throw ValidationError("--frame must be 0 or more (got \(frame)).") }
        if let width, !(1...4096).contains(width) { throw ValidationError("--width must be 1 to 4096 columns (got \(width)).") }
        if let fps, !(fps > 0 && fps <= 240) { throw ValidationError("--fps must be above 0 and at most 240 (got \(fps)).") }
        if loop && !play { throw ValidationError("--loop needs --play.") }
    }

    func run() throws {
        try global.apply()
        let clip = try ClipFrames.load(URL(fileURLWithPath: path))
        let columns = width ?? TerminalRenderer.terminalColumns()
        if let frame {
            guard frame < clip.frames.count else {
                throw InspectionError.frameOutOfRange(index: frame, frameCount: clip.frames.count)
            }
            print(TerminalRenderer.render(clip.frames[frame], columns: columns).joined(separator: "\n"))
            return
        }
        if play {
            guard isatty(STDOUT_FILENO) == 1 else { throw InspectionError.notATerminal(what: "--play") }
            let outcome = TerminalPlayer.play(clip.frames, fps: fps ?? clip.fps ?? 16, columns: columns, loops: loop ? 0 : 1)
            if case let .signal(number) = outcome { throw ExitCode(128 + number) }
            return
        }
        for (index, image) in clip.frames.enumerated() {
            print("frame \(index)")
            print(TerminalRenderer.render(image, columns: columns).joined(separator: "\n"))
        }
    }
}
