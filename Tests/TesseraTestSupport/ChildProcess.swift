// Running another program from a test (the built `tessera`, ffmpeg, ffprobe), shared by the
// test targets that do so.

import Foundation

public enum ChildProcess {
    /// Runs `tool` (a path, or a name looked up on PATH) with `arguments` and waits for it;
    /// returns its exit status, stdout and stderr. stdout goes through a pipe and stderr (small)
    /// through a file, so neither can fill up and block the child.
    public static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
        let process = Process()
        if tool.contains("/") {
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [tool] + arguments
        }
        let out = Pipe()
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = errHandle
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errHandle.close()
        let stderr = (try? Data(contentsOf: errURL)) ?? Data()
        return (process.terminationStatus, stdout, String(decoding: stderr, as: UTF8.self))
    }
}
