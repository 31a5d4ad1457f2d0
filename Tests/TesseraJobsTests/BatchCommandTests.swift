// `tessera batch` end to end with the tiny random model of Tests/Fixtures/wan_pipeline/model
// (written by scripts/fixtures/wan_pipeline.py): shards, SIGKILL and resume, order
// independence, failure isolation, unwritable output, merge and gallery (played in headless
// Chromium).

import Foundation
import TesseraJobs
import TesseraMedia
import XCTest

final class BatchCommandTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    // MARK: - Helpers

    static var model: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Fixtures/wan_pipeline/model")
    }

    /// The `tessera` executable beside the test bundle, or `$TESSERA_BIN`.
    static func binary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["TESSERA_BIN"] { return path }
        for start in [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])] {
            var dir = start.standardizedFileURL
            for _ in 0..<4 {
                dir.deleteLastPathComponent()
                let candidate = dir.appendingPathComponent("tessera")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            }
        }
        throw XCTSkip("the tessera binary was not found beside the tests; build with --build-tests or set TESSERA_BIN")
    }

    func file(_ name: String, _ text: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// A started `tessera` process with stdout and stderr going to files.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, URL) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        process.arguments = arguments + ["--model", Self.model.path, "--threads", "1"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let log = folder.appendingPathComponent("log-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return (process, log)
    }

    @discardableResult
    func tessera(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let (process, log) = try start(arguments, environment: environment)
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    func manifest(_ out: URL) throws -> [ManifestEntry] {
        try Manifest.read(out.appendingPathComponent("manifest.jsonl"))
    }

    /// Frames of a clip counted by ffprobe (decoding every frame).
    func ffprobeFrames(_ clip: URL) throws -> Int? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                             "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", clip.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Every folder in `out`, hidden ones included.
    func contents(_ out: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).sorted()
    }

    /// Checks that OUT holds exactly `count` complete items, each once, every clip readable.
    func assertComplete(_ out: URL, count: Int, frames: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let entries = try manifest(out)
        XCTAssertEqual(entries.map(\.index), Array(0..<count), "one manifest line per item", file: file, line: line)
        XCTAssertTrue(entries.allSatisfy { $0.status == .done }, "\(entries.filter { $0.status != .done })", file: file, line: line)
        let names = contents(out)
        XCTAssertEqual(names.filter { $0.hasPrefix(".") }, [], "no partial folders or temporary files left", file: file, line: line)
        XCTAssertEqual(Set(names.filter { $0.first?.isNumber == true }), Set(entries.map(\.folder)), file: file, line: line)
        for entry in entries {
            XCTAssertEqual(try ffprobeFrames(out.appendingPathComponent(entry.clip ?? "")), frames, entry.folder, file: file, line: line)
        }
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertEqual(html.components(separatedBy: "<video ").count - 1, count, file: file, line: line)
    }

    static let defaults = "defaults:\n  width: 32\n  height: 32\n  frames: 9\n  steps: 2\n  guidance: 3\n"

    // MARK: - Tests

    func testShardsInParallelRenderEveryItemOnce() throws {
        let job = try file("jobs.yaml", Self.defaults + "jobs:\n" + (0..<7).map { "  - prompt \($0) a red ball\n" }.joined())
        let out = folder.appendingPathComponent("out")
        // Three processes at once: two by flag, one as a Kubernetes Indexed Job pod.
        let runs = try [
            start(["batch", job.path, "-o", out.path, "--shard", "0/3", "--no-frames"]),
            start(["batch", job.path, "-o", out.path, "--shard", "1/3", "--no-frames"]),
            start(["batch", job.path, "-o", out.path, "--shards", "3", "--no-frames"], environment: ["JOB_COMPLETION_INDEX": "2"]),
        ]
        for (process, log) in runs {
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("manifest.jsonl").path), "shards write only their own manifests")
        for i in 0..<3 {
            let entries = try Manifest.read(out.appendingPathComponent("manifest-\(i)-of-3.jsonl"))
            XCTAssertEqual(entries.map(\.index), Array(stride(from: i, to: 7, by: 3)))
            XCTAssertTrue(entries.allSatisfy { $0.shard == "\(i)/3" && !$0.resumed })
        }
        let merged = try tessera(["batch", "--merge", out.path])
        XCTAssertEqual(merged.status, 0, merged.output)
        try assertComplete(out, count: 7, frames: 9)
        // A later unsharded run finds everything complete and renders nothing.
        let again = try tessera(["batch", job.path, "-o", out.path, "--no-frames"])
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertTrue(again.output.contains("7 done (0 rendered, 7 already complete), 0 failed"), again.output)
        XCTAssertTrue(try manifest(out).allSatisfy(\.resumed))
    }

    func testKilledMidItemThenRerunEndsComplete() throws {
        // Items big enough (frames written as PNG) that a kill lands inside one.
        let job = try file("jobs.yaml", "defaults:\n  width: 64\n  height: 64\n  frames: 17\n  steps: 2\n  guidance: 3\njobs:\n"
            + (0..<6).map { "  - prompt \($0) a green square sliding\n" }.joined())
        let out = folder.appendingPathComponent("out")
        let (process, _) = try start(["batch", job.path, "-o", out.path])
        // Kill as soon as an item is being written (its partial folder exists) after at least
        // one item is done, so both a finished and a half-written item are on disk.
        let deadline = Date().addingTimeInterval(60)
        var sawPartial = false
        while process.isRunning, Date() < deadline {
            let names = contents(out)
            if names.contains(where: { $0.first?.isNumber == true }), names.contains(where: { $0.contains(".partial-") }) {
                kill(process.processIdentifier, SIGKILL)
                sawPartial = true
                break
            }
            usleep(1000)
        }
        process.waitUntilExit()
        XCTAssertTrue(sawPartial, "the batch finished before it could be killed mid-item; make the items bigger")
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        let before = try manifest(out).filter { $0.status == .done }.count
        XCTAssertLessThan(before, 6)

        // A clip cut short on disk is found by reading it, not by its existence.
        let damaged = try manifest(out).first { $0.status == .done }
        if let damaged, let clip = damaged.clip {
            let url = out.appendingPathComponent(clip)
            let data = try Data(contentsOf: url)
            try data.prefix(data.count / 3).write(to: url)
        }

        let rerun = try tessera(["batch", job.path, "-o", out.path])
        XCTAssertEqual(rerun.status, 0, rerun.output)
        if let damaged { XCTAssertTrue(rerun.output.contains("redoing #\(damaged.index)"), rerun.output) }
        try assertComplete(out, count: 6, frames: 17)
        for entry in try manifest(out) {
            let pngs = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent(entry.folder + "/frames").path)
            XCTAssertEqual(pngs.count, 17, entry.folder)
        }
    }

    func testTwoOrdersGiveIdenticalFrames() throws {
        let lines = ["{\"prompt\": \"a red ball bouncing\", \"id\": \"ball\"}",
                     "{\"prompt\": \"a blue cube\", \"id\": \"cube\", \"negative\": \"blurry\"}",
                     "{\"prompt\": \"two circles orbiting\", \"id\": \"orbit\", \"seed\": 9}"]
        let options = ", \"width\": 32, \"height\": 32, \"frames\": 9, \"steps\": 2, \"guidance\": 3}"
        func jsonl(_ order: [Int]) -> String { order.map { lines[$0].dropLast() + options }.joined(separator: "\n") + "\n" }
        let a = try file("a.jsonl", jsonl([0, 1, 2])), b = try file("b.jsonl", jsonl([2, 0, 1]))
        let outA = folder.appendingPathComponent("a"), outB = folder.appendingPathComponent("b")
        XCTAssertEqual(try tessera(["batch", a.path, "-o", outA.path]).status, 0)
        XCTAssertEqual(try tessera(["batch", b.path, "-o", outB.path, "--batch-size", "1"]).status, 0)
        let byIdA = Dictionary(uniqueKeysWithValues: try manifest(outA).map { ($0.id ?? "", $0) })
        let byIdB = Dictionary(uniqueKeysWithValues: try manifest(outB).map { ($0.id ?? "", $0) })
        XCTAssertEqual(Set(byIdA.keys), ["ball", "cube", "orbit"])
        for (id, entryA) in byIdA {
            let entryB = try XCTUnwrap(byIdB[id])
            XCTAssertEqual(entryA.seed, entryB.seed, id)
            for frame in 1...9 {
                let name = String(format: "frames/%05d.png", frame)
                let pa = try PNGFile.read(outA.appendingPathComponent(entryA.folder).appendingPathComponent(name))
                let pb = try PNGFile.read(outB.appendingPathComponent(entryB.folder).appendingPathComponent(name))
                XCTAssertEqual(pa.image.pixels, pb.image.pixels, "\(id) \(name)")
            }
        }
        XCTAssertEqual([byIdA["orbit"]?.index, byIdB["orbit"]?.index], [2, 0], "the two files order the items differently")
        XCTAssertNotEqual(byIdA["ball"]?.seed, byIdA["cube"]?.seed)
    }

    func testBatchSizeGroupsSameShapeItemsAndMatchesOneByOne() throws {
        let job = try file("jobs.yaml", Self.defaults + "jobs:\n  - one\n  - prompt: wide\n    width: 48\n  - three\n  - four\n")
        let grouped = folder.appendingPathComponent("grouped"), single = folder.appendingPathComponent("single")
        let run = try tessera(["batch", job.path, "-o", grouped.path, "--batch-size", "3"])
        XCTAssertEqual(run.status, 0, run.output)
        let groups = run.output.split(separator: "\n").filter { $0.hasPrefix("rendering ") }
        XCTAssertEqual(groups.count, 2, run.output)
        XCTAssertTrue(groups[0].contains("#0 ") && groups[0].contains("#2 ") && groups[0].contains("#3 "), "\(groups)")
        XCTAssertTrue(groups[1].contains("#1 "), "\(groups)")
        XCTAssertEqual(try tessera(["batch", job.path, "-o", single.path]).status, 0)
        // Batched GEMMs round differently; frames agree to within 8-bit rounding.
        for (a, b) in zip(try manifest(grouped), try manifest(single)) {
            XCTAssertEqual(a.folder, b.folder)
            for frame in [1, 9] {
                let name = String(format: "frames/%05d.png", frame)
                let pa = try PNGFile.read(grouped.appendingPathComponent(a.folder).appendingPathComponent(name)).image.pixels
                let pb = try PNGFile.read(single.appendingPathComponent(b.folder).appendingPathComponent(name)).image.pixels
                XCTAssertEqual(pa.count, pb.count)
                let worst = zip(pa, pb).map { abs(Int($0) - Int($1)) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, 2, "\(a.folder) \(name)")
            }
        }
    }

    func testGeneratePromptFileRendersEveryPromptWithItsOptions() throws {
        let prompts = try file("prompts.txt", "# two prompts\na red ball\n\na blue cube\n")
        let out = folder.appendingPathComponent("out")
        let run = try tessera(["generate", "--prompt-file", prompts.path, "-o", out.path, "--width", "32", "--height", "48",
                               "--frames", "5", "--steps", "1", "--guidance", "1", "--seed", "42", "--no-frames"])
        XCTAssertEqual(run.status, 0, run.output)
        let entries = try manifest(out)
        XCTAssertEqual(entries.map(\.prompt), ["a red ball", "a blue cube"])
        XCTAssertEqual(entries.map(\.seed), [SeedDerivation.seed(base: 42, identity: "index:0"), SeedDerivation.seed(base: 42, identity: "index:1")])
        XCTAssertTrue(entries.allSatisfy { $0.width == 32 && $0.height == 48 && $0.frames == 5 && $0.steps == 1 && $0.status == .done })
        let both = try tessera(["generate", "a prompt", "--prompt-file", prompts.path])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.output.contains("Give a prompt or --prompt-file, not both."), both.output)
    }

    func testFailingItemIsRecordedAndTheRestRun() throws {
        let job = try file("jobs.yaml", Self.defaults + "jobs:\n  - one\n  - prompt: two\n    frames: 10\n  - three\n")
        let out = folder.appendingPathComponent("out")
        let run = try tessera(["batch", job.path, "-o", out.path, "--no-frames"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.output.contains("3 items, 2 done (2 rendered, 0 already complete), 1 failed"), run.output)
        XCTAssertTrue(run.output.contains("failed #1 0001-two-s"), run.output)
        let entries = try manifest(out)
        XCTAssertEqual(entries.map(\.status), [.done, .failed, .done])
        XCTAssertEqual(entries[1].error, "\(job.path):10: invalid frames: 10 is not 4k+1 (1, 5, 9, ... 33, ...); nearest valid: 9 or 13")
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("failed: \(job.path):10: invalid frames"), html)
    }

    func testFullDiskStopsTheBatchWithCompletedItemsIntact() throws {
        // A 200 KiB tmpfs fills after a few clips. Mounting needs root (CI containers often
        // are); elsewhere the test is skipped.
        let disk = folder.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        guard getuid() == 0, run("/bin/mount", ["-t", "tmpfs", "-o", "size=200k", "tmpfs", disk.path]) == 0 else {
            throw XCTSkip("mounting a small tmpfs needs root")
        }
        defer { _ = run("/bin/umount", [disk.path]) }
        let job = try file("jobs.yaml", Self.defaults + "jobs:\n" + (0..<12).map { "  - prompt \($0)\n" }.joined())
        let out = disk.appendingPathComponent("out")
        let result = try tessera(["batch", job.path, "-o", out.path])
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.output.contains("the disk holding \(out.path) is full"), result.output)
        XCTAssertTrue(result.output.contains("not run"), result.output)
        let entries = try manifest(out)
        let done = entries.filter { $0.status == .done }
        XCTAssertGreaterThan(done.count, 0)
        XCTAssertLessThan(done.count, 12)
        XCTAssertEqual(entries.filter { $0.status == .failed }.count, 1, "only the item being written when the disk filled failed")
        for entry in done {
            XCTAssertEqual(try ffprobeFrames(out.appendingPathComponent(entry.clip ?? "")), 9, entry.folder)
        }
        XCTAssertEqual(contents(out).filter { $0.contains(".partial-") }, [], "the half-written item was removed")
    }

    func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    // MARK: - Gallery in a browser

    /// Headless Chromium (installed by `make setup`), or `$CHROMIUM`.
    static func chromium() -> String? {
        if let path = ProcessInfo.processInfo.environment["CHROMIUM"] { return path }
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for dir in dirs where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") { return "\(dir)/\(name)" }
        }
        return nil
    }

    /// The page's DOM after Chromium loaded it and ran its script (`--dump-dom`); virtual time
    /// lets the videos load without a fixed wait.
    func renderedDOM(_ page: URL, chromium: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        let profile = folder.appendingPathComponent("chromium-profile-\(UUID().uuidString)")
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
                             "--virtual-time-budget=10000", "--dump-dom", page.absoluteString]
        let dom = folder.appendingPathComponent("dom-\(UUID().uuidString).html")
        _ = FileManager.default.createFile(atPath: dom.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: dom)
        process.standardError = FileHandle.nullDevice
        try process.run()
        // A guard against a hung browser, not a timing assertion.
        let guardTimer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: guardTimer)
        process.waitUntilExit()
        guardTimer.cancel()
        XCTAssertEqual(process.terminationStatus, 0, "chromium --dump-dom \(page.path)")
        return try String(contentsOf: dom, encoding: .utf8)
    }

    /// The value of `attribute` on the first element whose start tag begins with `tagStart`.
    func attribute(_ attribute: String, of tagStart: String, in dom: String) -> String? {
        guard let open = dom.range(of: tagStart), let close = dom[open.upperBound...].firstIndex(of: ">") else { return nil }
        let tag = dom[open.lowerBound..<close]
        guard let key = tag.range(of: " \(attribute)=\"") else { return nil }
        return tag[key.upperBound...].split(separator: "\"", maxSplits: 1).first.map(String.init)
    }

    func testGalleryPlaysEveryClipInHeadlessChromium() throws {
        guard let chromium = Self.chromium() else {
            return XCTFail("chromium is not installed; the gallery test plays the clips in headless Chromium: run `make setup` (or set CHROMIUM)")
        }
        // MP4 (H.264) and WebM (VP9), the two formats the gallery shows as <video>.
        let job = try file("jobs.yaml", "defaults:\n  width: 32\n  height: 32\n  frames: 5\n  steps: 1\n  guidance: 1\njobs:\n"
            + "  - a red ball\n  - prompt: a blue cube\n    format: webm\n  - two circles orbiting\n")
        let out = folder.appendingPathComponent("out")
        let run = try tessera(["batch", job.path, "-o", out.path, "--no-frames", "--batch-size", "3"])
        XCTAssertEqual(run.status, 0, run.output)
        let entries = try manifest(out)
        XCTAssertEqual(entries.map(\.status), [.done, .done, .done])
        let page = out.appendingPathComponent("index.html")

        let dom = try renderedDOM(page, chromium: chromium)
        XCTAssertEqual(dom.components(separatedBy: "<video ").count - 1, 3, dom)
        XCTAssertEqual(attribute("data-state", of: "<main ", in: dom), "settled", "every video loaded its metadata or failed:\n\(dom)")
        XCTAssertEqual(attribute("data-ready", of: "<main ", in: dom), "3", dom)
        XCTAssertEqual(attribute("data-errors", of: "<main ", in: dom), "0", dom)
        for entry in entries {
            XCTAssertEqual(attribute("data-state", of: "<figure id=\"item-\(entry.index)\"", in: dom), "ready", entry.folder)
        }
        XCTAssertFalse(dom.contains("<div class=\"error\">could not play"), dom)

        // The check can fail: a clip cut short shows as an error, with a note for the user.
        let broken = out.appendingPathComponent(entries[0].clip ?? "")
        try Data(contentsOf: broken).prefix(300).write(to: broken)
        let brokenDOM = try renderedDOM(page, chromium: chromium)
        XCTAssertEqual(attribute("data-state", of: "<figure id=\"item-0\"", in: brokenDOM), "error", brokenDOM)
        XCTAssertEqual(attribute("data-state", of: "<figure id=\"item-1\"", in: brokenDOM), "ready", brokenDOM)
        XCTAssertEqual(attribute("data-errors", of: "<main ", in: brokenDOM), "1", brokenDOM)
        XCTAssertTrue(brokenDOM.contains("<div class=\"error\">could not play \(entries[0].clip ?? "")"), brokenDOM)
    }

    func testUnwritableOutputAndBadJobFileAreClearErrors() throws {
        let job = try file("p.txt", "a red ball\n")
        let blocker = try file("not-a-folder", "x")
        let run = try tessera(["batch", job.path, "-o", blocker.appendingPathComponent("out").path])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.output.contains("cannot write to output folder \(blocker.path)/out"), run.output)
        let bad = try file("bad.jsonl", "{\"prompt\": \"a\", \"sed\": 1}\n")
        let parse = try tessera(["batch", bad.path, "-o", folder.appendingPathComponent("o2").path])
        XCTAssertEqual(parse.status, 1)
        XCTAssertTrue(parse.output.contains("\(bad.path):1: unknown key `sed` in a job (did you mean `seed`?)"), parse.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("o2").path), "nothing runs on a bad file")
    }
}
