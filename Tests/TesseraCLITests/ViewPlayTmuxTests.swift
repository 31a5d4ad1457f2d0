// `tessera view --play` driven through a real terminal: a detached tmux session on its own
// socket runs the player, the test reads the pane, presses a key and checks that the player
// stopped and left the terminal as it found it (cursor shown, termios settings unchanged).
//
// Why tmux is not run with Foundation's `Process` (the reason an earlier version of this test
// hung): on Linux, `Process` learns that a child ended when a socket it hands to the child
// (on purpose not close-on-exec) reaches end of file, i.e. once every process holding it has
// closed it. `tmux new-session` forks a server that inherits that socket and lives on, so
// `waitUntilExit()` never returns and tearDown, which would kill the server, is never
// reached. Here tmux is started with `posix_spawn`, every descriptor above 2 closed, stdin and
// stderr on /dev/null, stdout into a file, and reaped with `waitpid` against a deadline;
// tearDown kills the server whatever happened.

import Foundation
import TesseraMedia
import XCTest

final class ViewPlayTmuxTests: XCTestCase {
    private var socket = ""
    private var sessionStarted = false

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")
                          || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/tmux"),
                          "tmux is not installed")
        socket = "tessera-test-\(getpid())-\(UUID().uuidString.prefix(8))"
    }

    override func tearDown() {
        if sessionStarted {
            _ = try? tmux(["kill-server"])
            // tmux leaves its socket file behind.
            let folder = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
            unlink("\(folder)/tmux-\(getuid())/\(socket)")
        }
        super.tearDown()
    }

    func testPlayDrawsFramesAndQuitsOnAKeyRestoringTheTerminal() throws {
        try playThenPress(["q"])
    }

    func testCtrlCStopsPlaybackLikeAKey() throws {
        try playThenPress(["C-c"])
    }

    // MARK: - The scenario

    /// Plays a looping 160x64 clip in a 100x40 pane, waits for frames, sends `keys`, and
    /// checks the exit status, the pane's cursor and the tty settings before and after.
    private func playThenPress(_ keys: [String]) throws {
        let dir = try CLITestSupport.temporaryDirectory(self)
        let frames = dir.appendingPathComponent("frames")
        try CLITestSupport.writeFrames(frames, count: 4, width: 160, height: 64)
        // The shell records the tty settings around the player, then its exit status (renamed
        // into place, so a file that exists is complete), then stays, so that the pane shows
        // the terminal as the player left it (tmux hides the cursor of a pane whose program
        // has ended). `--loop` keeps playing until the key. No --width: the pane's 100 columns.
        let script = #"stty -g > "$3/before"; "$1" view "$2" --play --loop; s=$?; stty -g > "$3/after"; "#
            + #"echo $s > "$3/status.tmp"; mv "$3/status.tmp" "$3/status"; exec sleep 600"#
        sessionStarted = true  // from here on tearDown kills the server, even if this call fails
        try tmux(["-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "40", "-s", "play",
                  "sh", "-c", script, "sh", try CLITestSupport.binary().path, frames.path, dir.path])

        // Frames on screen: half blocks in 24-bit colour, 100 cells wide (160 scaled to the
        // pane's width), 20 lines (64 * 100 / 160 = 40 pixel rows), cursor hidden.
        // tmux may read the first frame in pieces: wait until its last line is as long as its first.
        func blocks(_ line: Substring) -> Int { line.filter { $0 == Character(TerminalRenderer.halfBlock) }.count }
        var screen = ""
        var drawn: [Substring] = []
        try waitUntil("the pane to show a whole frame", seconds: 30) {
            screen = try tmux(["capture-pane", "-p", "-e", "-t", "play"])
            drawn = screen.split(separator: "\n").filter { $0.contains(TerminalRenderer.halfBlock) }
            return drawn.count >= 20 && blocks(drawn[19]) == blocks(drawn[0])
        }
        XCTAssertEqual(drawn.count, 20, "one frame of 20 lines, redrawn in place")
        XCTAssertEqual(drawn.map(blocks), Array(repeating: 100, count: drawn.count), "100 cells a line")
        XCTAssertTrue(screen.contains("\u{1B}[38;2;") && screen.contains("\u{1B}[48;2;"), "24-bit colour escapes")
        XCTAssertEqual(try paneFormat("#{cursor_flag}"), "0", "the cursor is hidden while playing")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("status").path),
                       "still playing (--loop) before the key")

        try tmux(["send-keys", "-t", "play"] + keys)
        let statusURL = dir.appendingPathComponent("status")
        try waitUntil("the player to exit", seconds: 15) { FileManager.default.fileExists(atPath: statusURL.path) }
        let status = try String(contentsOf: statusURL, encoding: .utf8)
        XCTAssertEqual(status.trimmingCharacters(in: .whitespacesAndNewlines), "0", "a key ends playback normally")
        XCTAssertEqual(try paneFormat("#{cursor_flag}"), "1", "the cursor is shown again")
        let before = try String(contentsOf: dir.appendingPathComponent("before"), encoding: .utf8)
        let after = try String(contentsOf: dir.appendingPathComponent("after"), encoding: .utf8)
        XCTAssertFalse(before.isEmpty)
        XCTAssertEqual(after, before, "the tty settings (echo, canonical input, signal keys) are restored")
    }

    // MARK: - tmux

    private func paneFormat(_ format: String) throws -> String {
        try tmux(["display-message", "-p", "-t", "play", format]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `tmux -L <this test's socket> arguments` and returns its standard output. Fails
    /// on a non-zero exit, and kills tmux if it takes more than 10 seconds.
    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-tmux-\(UUID().uuidString)").path
        defer { unlink(outPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Close everything else this process has open (glibc ignores a close of a descriptor
        // that is gone by then, such as the one that listed the folder).
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let fd = Int32(name), fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        }

        var environment = ProcessInfo.processInfo.environment
        environment["TMUX"] = nil  // run from inside tmux: still a separate server
        environment["TERM"] = "xterm-256color"
        let argv = ["/usr/bin/env", "tmux", "-L", socket] + arguments
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArguments + cEnvironment).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, cArguments, cEnvironment)
        guard spawned == 0 else { throw TmuxError("could not start tmux: \(String(cString: strerror(spawned)))") }

        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(10)
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard Date() < deadline else {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw TmuxError("tmux \(arguments.first ?? "") did not finish within 10 s")
            }
            usleep(10_000)
        }
        // Exited normally with status 0 (the low 7 bits are the signal, the next 8 the status).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw TmuxError("tmux \(arguments.joined(separator: " ")) failed (wait status \(status))")
        }
        return String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
    }

    /// Polls `condition` every 50 ms until it holds, failing after `seconds`.
    private func waitUntil(_ what: String, seconds: Double, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try !condition() {
            guard Date() < deadline else { throw TmuxError("timed out after \(seconds) s waiting for \(what)") }
            usleep(50_000)
        }
    }

    private struct TmuxError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
