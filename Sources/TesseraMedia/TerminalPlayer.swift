// Plays a clip in the terminal at its frame rate (`tessera view --play`): half-block frames
// (`TerminalRenderer`) redrawn in place until the end, a key press, Ctrl-C or SIGTERM, and
// the terminal always restored (cursor shown, attributes reset, termios settings back).

import Foundation

/// Set from the SIGINT/SIGTERM handler while a clip plays; read by the playback loop.
nonisolated(unsafe) private var playbackSignal: sig_atomic_t = 0

/// Plays pre-rendered frames in a terminal.
public enum TerminalPlayer {
    /// How playback ended.
    public enum Outcome: Equatable, Sendable {
        /// Every frame was shown (`loops` times).
        case finished
        /// A key was pressed (Ctrl-C included: the terminal's own signal keys are off while
        /// playing, so Ctrl-C arrives as a key and nothing is left half-drawn).
        case key
        /// SIGINT or SIGTERM arrived from elsewhere.
        case signal(Int32)
    }

    /// Draws `frames` `columns` cells wide on standard output at `fps`, `loops` times (0:
    /// until stopped), redrawing in place. Reads keys from standard input when it is a
    /// terminal. Returns how playback ended; the terminal is restored in every case.
    public static func play(_ frames: [RGBImage], fps: Double, columns: Int, loops: Int = 1) -> Outcome {
        precondition(!frames.isEmpty && fps > 0 && columns > 0 && loops >= 0)
        let rendered = frames.map { TerminalRenderer.render($0, columns: columns).joined(separator: "\n") + "\n" }
        let lineCount = TerminalRenderer.render(frames[0], columns: columns).count

        // Terminal state: keys unbuffered and not echoed, Ctrl-C as a key, cursor hidden.
        let keyboard = isatty(STDIN_FILENO) == 1
        var saved = termios()
        if keyboard, tcgetattr(STDIN_FILENO, &saved) == 0 {
            var raw = saved
            raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
            withUnsafeMutableBytes(of: &raw.c_cc) { cc in
                cc[Int(VMIN)] = 0
                cc[Int(VTIME)] = 0
            }
            tcsetattr(STDIN_FILENO, TCSANOW, &raw)
        }
        playbackSignal = 0
        let previousInt = signal(SIGINT) { playbackSignal = $0 }
        let previousTerm = signal(SIGTERM) { playbackSignal = $0 }
        defer {
            write(TerminalRenderer.reset + "\u{1B}[?25h")
            if keyboard { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
            signal(SIGINT, previousInt)
            signal(SIGTERM, previousTerm)
        }
        write("\u{1B}[?25l")

        let frameNanoseconds = 1e9 / fps
        let start = DispatchTime.now().uptimeNanoseconds
        var shown = 0
        var loop = 0
        while loops == 0 || loop < loops {
            for frame in rendered {
                if shown > 0 { write("\u{1B}[\(lineCount)A\r") }
                write(frame)
                shown += 1
                let deadline = start + UInt64(Double(shown) * frameNanoseconds)
                if let outcome = wait(until: deadline, keyboard: keyboard) { return outcome }
            }
            loop += 1
        }
        return .finished
    }

    /// Sleeps until `deadline` (uptime nanoseconds), returning early with how playback should
    /// end when a key or a signal arrives.
    private static func wait(until deadline: UInt64, keyboard: Bool) -> Outcome? {
        while true {
            if playbackSignal != 0 { return .signal(playbackSignal) }
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= deadline { return nil }
            let milliseconds = Int32(min(50, (deadline - now + 999_999) / 1_000_000))
            if keyboard {
                var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
                if poll(&descriptor, 1, milliseconds) > 0 && descriptor.revents & Int16(POLLIN) != 0 {
                    var byte: UInt8 = 0
                    if read(STDIN_FILENO, &byte, 1) == 1 { return .key }
                }
            } else {
                usleep(useconds_t(milliseconds) * 1000)
            }
        }
    }

    /// Writes all of `text` to standard output, unbuffered.
    private static func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 { if errno == EINTR { continue } else { return } }
            offset += n
        }
    }
}
