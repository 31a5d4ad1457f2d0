// Runs the built `tessera` binary, as a user would.

import Foundation
import TesseraMedia
import TesseraTestSupport
import XCTest

enum CLITestSupport {
    /// The `tessera` executable built beside this test bundle (`swift build --build-tests`
    /// builds it too), or `$TESSERA_BIN`.
    static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["TESSERA_BIN"] { return URL(fileURLWithPath: path) }
        var candidates: [URL] = []
        for start in [Bundle.main.bundleURL, Bundle.main.executableURL, URL(fileURLWithPath: CommandLine.arguments[0])]
            .compactMap({ $0?.standardizedFileURL }) {
            var dir = start
            for _ in 0..<4 {
                dir = dir.deletingLastPathComponent()
                candidates.append(dir.appendingPathComponent("tessera"))
            }
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw NSError(domain: "TesseraCLITests", code: 1, userInfo: [NSLocalizedDescriptionKey:
                "the tessera binary was not found beside the tests (looked in \(candidates.map(\.path))); build it with `swift build --build-tests` or set TESSERA_BIN"])
        }
        return found
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tool` (a path, or a name on PATH) with `arguments`.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> Result {
        let result = try ChildProcess.run(tool, arguments)
        return Result(status: result.status, stdout: String(decoding: result.stdout, as: UTF8.self), stderr: result.stderr)
    }

    /// Runs `tessera` with `arguments`.
    @discardableResult
    static func tessera(_ arguments: [String]) throws -> Result {
        try run(try binary().path, arguments)
    }

    /// The repository's `Tests/` folder (fixtures live in `Tests/Fixtures`).
    static var testsFolder: URL {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.lastPathComponent != "Tests", url.path != "/" { url.deleteLastPathComponent() }
        return url
    }

    /// Skips a test that prompts a model when `make setup` has not installed all-MiniLM-L6-v2.
    static func skipUnlessPromptEncoderInstalled() throws {
        let home = ProcessInfo.processInfo.environment["TESSERA_HOME"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/tessera").path
        try XCTSkipUnless(FileManager.default.fileExists(atPath: home + "/text-encoders/all-MiniLM-L6-v2/model.safetensors"),
                          "all-MiniLM-L6-v2 not installed (make setup)")
    }

    static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Writes `count` frames of a moving gradient as 00001.png... into `folder`.
    static func writeFrames(_ folder: URL, count: Int, width: Int = 48, height: Int = 32) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for t in 0..<count {
            var image = RGBImage(width: width, height: height)
            for y in 0..<height {
                for x in 0..<width {
                    image[x, y] = (UInt8((x * 5 + t * 9) % 256), UInt8((y * 7) % 256), UInt8((x + y + t * 4) % 256))
                }
            }
            try PNGFile.write(image, to: folder.appendingPathComponent(FrameSequence.fileName(forIndex: t)))
        }
    }

    /// Names in `folder`, hidden ones included (temporary files start with a dot).
    static func contents(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }
}
