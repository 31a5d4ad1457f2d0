// `tessera embed` run as a user runs it (the binary `swift build --build-tests` builds beside
// the tests, or $TESSERA_BIN), against the parity fixtures.
// Fixtures made by: python3 scripts/fixtures/minilm.py

import Foundation
import TesseraText
import TesseraWeights
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class EmbedCommandTests: XCTestCase {
    /// The `tessera` executable beside the test bundle.
    private func binary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["TESSERA_BIN"] { return path }
        var candidates: [String] = []
        for start in [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])] {
            var dir = start.standardizedFileURL
            for _ in 0..<4 {
                dir = dir.deletingLastPathComponent()
                candidates.append(dir.appendingPathComponent("tessera").path)
            }
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            XCTFail("tessera binary not found (looked in \(candidates)); build it with `swift build -c release --build-tests` or set TESSERA_BIN")
            throw TextEncoderError.missingFile(path: candidates.first ?? "tessera")
        }
        return found
    }

    /// Runs the binary with raw byte arguments (so invalid UTF-8 reaches it unchanged).
    private func run(_ arguments: [[UInt8]], environment extra: [String: String] = [:]) throws
        -> (status: Int32, stdout: String, stderr: String) {
        let path = try binary()
        let tmp = FileManager.default.temporaryDirectory
        let outURL = tmp.appendingPathComponent("tessera-embed-out-\(UUID())")
        let errURL = tmp.appendingPathComponent("tessera-embed-err-\(UUID())")
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        let cArgs: [UnsafeMutablePointer<CChar>?] = ([Array(path.utf8)] + arguments).map { bytes in
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (i, b) in bytes.enumerated() { p[i] = CChar(bitPattern: b) }
            p[bytes.count] = 0
            return p
        } + [nil]
        let cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { $0?.deallocate() }; cEnv.forEach { free($0) } }
        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        #else
        var actions: posix_spawn_file_actions_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, cArgs, cEnv)
        XCTAssertEqual(rc, 0, "posix_spawn \(path)")
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let exitCode = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (exitCode, (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        try run(arguments.map { Array($0.utf8) }, environment: environment)
    }

    func testJSONMatchesSentenceTransformers() throws {
        _ = try Fixtures.encoderDirectory()
        let file = try Fixtures.prompts()
        for index in [0, file.prompts.firstIndex { $0.prompt.isEmpty }!, file.prompts.firstIndex { $0.group == "cjk" }!] {
            let reference = file.prompts[index]
            let result = try run(["embed", reference.prompt, "--json"])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.hasPrefix("{\"ids\": ["), "keys in the issue's order: \(result.stdout.prefix(40))")
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(object["ids"] as? [Int], reference.ids)
            XCTAssertEqual(object["tokens"] as? [String], reference.tokens)
            let embedding = try XCTUnwrap(object["embedding"] as? [Double]).map { Float($0) }
            let states = try SafetensorsFile(url: Fixtures.directory.appendingPathComponent("states.safetensors"))
            XCTAssertGreaterThanOrEqual(EncoderParityTests.cosine(embedding, try states.floats("embedding.\(index)")), 0.99999)
        }
    }

    func testTextOutputListsTokens() throws {
        _ = try Fixtures.encoderDirectory()
        let result = try run(["embed", "a red ball"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("tokens: 5"), result.stdout)
        XCTAssertTrue(result.stdout.contains("2417  red"), result.stdout)
        XCTAssertTrue(result.stdout.contains("embedding (384"), result.stdout)
    }

    func testInvalidUTF8InArgvAndFileIsRejectedWithPosition() throws {
        _ = try Fixtures.encoderDirectory()
        let argv = try run([Array("embed".utf8), [0x61, 0x62, 0xFF, 0x63]])
        XCTAssertNotEqual(argv.status, 0)
        XCTAssertTrue(argv.stderr.contains("not valid UTF-8") && argv.stderr.contains("position 2"), argv.stderr)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-bad-prompt-\(UUID()).txt")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data([0x78, 0xE2, 0x82]).write(to: url)
        let fromFile = try run(["embed", "--file", url.path])
        XCTAssertNotEqual(fromFile.status, 0)
        XCTAssertTrue(fromFile.stderr.contains("position 1"), fromFile.stderr)
    }

    func testMissingEncoderSaysHowToInstall() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-empty-home-\(UUID())")
        let result = try run(["embed", "a red ball"], environment: ["TESSERA_HOME": home.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("make setup") && result.stderr.contains(home.path), result.stderr)
        XCTAssertEqual(result.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count, 1, result.stderr)
    }
}
