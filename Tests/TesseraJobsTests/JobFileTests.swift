// Job files: .txt, .jsonl and YAML parsing, derived seeds, shards, and each bad input as an
// error naming the file and line.

import Foundation
import TesseraJobs
import TesseraPipeline
import XCTest

final class JobFileTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-jobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    func file(_ name: String, _ text: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// The error `JobFile(url:)` throws, as text.
    func error(_ name: String, _ text: String) throws -> String {
        let url = try file(name, text)
        do {
            _ = try JobFile(url: url)
            XCTFail("\(name) was accepted")
            return ""
        } catch let error as JobError {
            return error.description
        }
    }

    // MARK: - Formats

    func testTextFileSkipsCommentsAndBlankLines() throws {
        let job = try JobFile(url: try file("p.txt", "# header\n\na red ball\r\n  # indented comment\n  a blue cube  \n"))
        XCTAssertEqual(job.items.map(\.request.prompt), ["a red ball", "a blue cube"])
        XCTAssertEqual(job.items.map(\.line), [3, 5])
        XCTAssertEqual(job.items.map(\.index), [0, 1])
        XCTAssertEqual(job.items[0].request.steps, GenerationRequest.defaultSteps)
        XCTAssertTrue(job.items.allSatisfy { $0.seedDerived && $0.problem == nil })
    }

    func testJSONLinesReadsEveryOption() throws {
        let job = try JobFile(url: try file("j.jsonl", """
            {"prompt": "a", "negative": "blurry", "seed": 7, "steps": 3, "guidance": 4.5, "shift": 2, "sampler": "euler", "width": 48, "height": 32, "frames": 13, "fps": 8, "format": "webm", "id": "first"}

            {"prompt": "b", "guidance": 1}
            """))
        XCTAssertEqual(job.items.count, 2)
        let r = job.items[0].request
        XCTAssertEqual([r.prompt, r.negativePrompt], ["a", "blurry"])
        XCTAssertEqual([r.seed], [7])
        XCTAssertEqual([r.steps, r.width, r.height, r.frames, r.fps], [3, 48, 32, 13, 8])
        XCTAssertEqual([r.guidance, r.shift], [4.5, 2])
        XCTAssertEqual(r.sampler?.rawValue, "euler")
        XCTAssertEqual(job.items[0].format.rawValue, "webm")
        XCTAssertEqual(job.items[0].id, "first")
        XCTAssertFalse(job.items[0].seedDerived)
        XCTAssertEqual(job.items[1].line, 3)
        XCTAssertEqual(job.items[1].request.guidance, 1)
        XCTAssertEqual(job.items[0].folderName, "0000-first-s7")
    }

    func testYAMLDefaultsJobsAndSeedLists() throws {
        let job = try JobFile(url: try file("j.yaml", """
            defaults:
              width: 32
              height: 32
              frames: 9
              seed: 100   # the base seed
            jobs:
              - a plain prompt
              - prompt: a swept prompt
                seeds: [1, 2, 3]
              - prompt: wide
                width: 64
                id: wide-one
            """))
        XCTAssertEqual(job.baseSeed, 100)
        XCTAssertEqual(job.items.map(\.request.prompt), ["a plain prompt", "a swept prompt", "a swept prompt", "a swept prompt", "wide"])
        XCTAssertEqual(job.items[1...3].map(\.request.seed), [1, 2, 3])
        XCTAssertEqual(job.items.map(\.request.width), [32, 32, 32, 32, 64])
        XCTAssertEqual(job.items.map(\.line), [7, 8, 8, 8, 10])
        XCTAssertEqual(job.items[0].request.seed, SeedDerivation.seed(base: 100, identity: "index:0"))
        XCTAssertEqual(job.items[4].request.seed, SeedDerivation.seed(base: 100, identity: "id:wide-one"))
        // --seed overrides the file's base seed.
        XCTAssertEqual(try JobFile(url: job.url, baseSeed: 5).items[0].request.seed, SeedDerivation.seed(base: 5, identity: "index:0"))
    }

    // MARK: - Seeds

    func testDerivedSeedsAreFixedValues() {
        // Changing the derivation changes every derived clip: these literals pin it.
        XCTAssertEqual(SeedDerivation.fnv1a64(Array("".utf8)), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(SeedDerivation.fnv1a64(Array("a".utf8)), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(SeedDerivation.splitmix64(0), 0xe220_a839_7b1d_cdaf)
        XCTAssertEqual(SeedDerivation.seed(base: 0, identity: "index:0"), 3_484_897_588)
        XCTAssertEqual(SeedDerivation.seed(base: 42, identity: "id:hero"), 2_195_862_641)
        XCTAssertNotEqual(SeedDerivation.seed(base: 0, identity: "index:0"), SeedDerivation.seed(base: 0, identity: "index:1"))
        XCTAssertNotEqual(SeedDerivation.seed(base: 0, identity: "index:0"), SeedDerivation.seed(base: 1, identity: "index:0"))
    }

    func testSeedsByIdDoNotDependOnOrder() throws {
        let a = try JobFile(url: try file("a.jsonl", "{\"prompt\": \"x\", \"id\": \"x\"}\n{\"prompt\": \"y\", \"id\": \"y\"}\n"))
        let b = try JobFile(url: try file("b.jsonl", "{\"prompt\": \"y\", \"id\": \"y\"}\n{\"prompt\": \"x\", \"id\": \"x\"}\n"))
        XCTAssertEqual(a.items[0].request.seed, b.items[1].request.seed)
        XCTAssertEqual(a.items[1].request.seed, b.items[0].request.seed)
    }

    // MARK: - Bad input

    func testUnknownKeysNameFileLineAndSuggestion() throws {
        let jsonl = try error("u.jsonl", "{\"prompt\": \"a\"}\n{\"prompt\": \"b\", \"stpes\": 3}\n")
        XCTAssertTrue(jsonl.hasSuffix("u.jsonl:2: unknown key `stpes` in a job (did you mean `steps`?); allowed: prompt, negative, seed, seeds, steps, guidance, shift, sampler, width, height, frames, fps, format, id"), jsonl)
        let yaml = try error("u.yaml", "jobs:\n  - prompt: a\n    colour: red\n")
        XCTAssertTrue(yaml.contains("u.yaml:3: unknown key `colour`"), yaml)
        let defaults = try error("d.yaml", "defaults:\n  id: x\njobs:\n  - a\n")
        XCTAssertTrue(defaults.contains("d.yaml:2: unknown key `id` in defaults"), defaults)
        let top = try error("t.yaml", "job:\n  - a\n")
        XCTAssertTrue(top.contains("t.yaml:1: unknown key `job` at the top level"), top)
    }

    func testWrongTypesNameFileAndLine() throws {
        XCTAssertTrue(try error("w.jsonl", "{\"prompt\": \"a\", \"steps\": \"ten\"}\n").hasSuffix("w.jsonl:1: `steps` must be an integer, found a string"))
        XCTAssertTrue(try error("w2.jsonl", "\n{\"prompt\": \"a\", \"width\": 32.5}\n").hasSuffix("w2.jsonl:2: `width` must be an integer, found a number"))
        XCTAssertTrue(try error("w3.jsonl", "{\"prompt\": 3}\n").hasSuffix("w3.jsonl:1: `prompt` must be a string, found an integer"))
        XCTAssertTrue(try error("w4.yaml", "jobs:\n  - prompt: a\n    guidance: high\n").hasSuffix("w4.yaml:3: `guidance` must be a number, found a string"))
        XCTAssertTrue(try error("w5.yaml", "jobs:\n  - prompt: a\n    seeds: 4\n").contains("w5.yaml:3: `seeds` must be a non-empty list"))
        XCTAssertTrue(try error("w6.yaml", "jobs:\n  - prompt: a\n    seed: -1\n").contains("w6.yaml:3: `seed` must be a non-negative integer"))
        XCTAssertTrue(try error("w7.jsonl", "{\"prompt\": \"a\"\n").contains("w7.jsonl:1: not valid JSON"))
        XCTAssertTrue(try error("w8.jsonl", "[\"a\"]\n").contains("w8.jsonl:1: expected a JSON object"))
        XCTAssertTrue(try error("w9.yaml", "jobs:\n  - prompt: [a\n").contains("w9.yaml:"))
        XCTAssertTrue(try error("w10.jsonl", "{\"negative\": \"x\"}\n").hasSuffix("w10.jsonl:1: the job has no `prompt`"))
    }

    func testInvalidSizesFailTheirItemWithFileAndLine() throws {
        let url = try file("s.yaml", "jobs:\n  - prompt: ok\n    width: 32\n  - prompt: bad\n    width: 30\n  - prompt: frames\n    frames: 10\n  - prompt: s\n    sampler: heun\n")
        let job = try JobFile(url: url)
        XCTAssertNil(job.items[0].problem)
        XCTAssertEqual(job.items[1].problem, "\(url.path):5: invalid width: 30 is not a multiple of 16 between 16 and 4096; nearest valid: 16 or 32")
        XCTAssertTrue(job.items[2].problem?.hasPrefix("\(url.path):7: invalid frames: 10 is not 4k+1") == true, job.items[2].problem ?? "nil")
        XCTAssertTrue(job.items[3].problem?.hasPrefix("\(url.path):9: ") == true, job.items[3].problem ?? "nil")
    }

    func testDuplicateIdsAreAnError() throws {
        let text = try error("dup.jsonl", "{\"prompt\": \"a\", \"id\": \"x\"}\n{\"prompt\": \"b\", \"id\": \"y\"}\n{\"prompt\": \"c\", \"id\": \"x\"}\n")
        XCTAssertTrue(text.hasSuffix("dup.jsonl:3: duplicate id `x` (first used on line 1); ids must be unique"), text)
        let seeds = try error("dup.yaml", "jobs:\n  - prompt: a\n    seeds: [1, 1]\n")
        XCTAssertTrue(seeds.contains("dup.yaml:3: `seeds` lists a seed twice"), seeds)
    }

    func testNonUTF8NamesTheLine() throws {
        let url = folder.appendingPathComponent("latin1.txt")
        try Data("good line\nsecond\ncaf".utf8 + [0xE9] + Array("\n".utf8)).write(to: url)
        XCTAssertThrowsError(try JobFile(url: url)) { error in
            XCTAssertEqual("\(error)", "\(url.path):3: the file is not valid UTF-8; save it as UTF-8")
        }
    }

    func testUnreadableFolderAndEmptyFiles() throws {
        XCTAssertThrowsError(try JobFile(url: folder.appendingPathComponent("missing.txt"))) {
            XCTAssertTrue("\($0)".contains("missing.txt: no such file"), "\($0)")
        }
        XCTAssertThrowsError(try JobFile(url: folder)) { XCTAssertTrue("\($0)".contains("it is a folder"), "\($0)") }
        XCTAssertThrowsError(try JobFile(url: try file("e.txt", "# nothing\n\n"))) { XCTAssertTrue("\($0)".contains("e.txt: no items"), "\($0)") }
        XCTAssertThrowsError(try JobFile(url: try file("x.csv", "a\n"))) { XCTAssertTrue("\($0)".contains("unknown job file type .csv"), "\($0)") }
        if getuid() != 0 {
            let locked = try file("locked.txt", "a\n")
            try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: locked.path)
            XCTAssertThrowsError(try JobFile(url: locked)) { XCTAssertTrue("\($0)".hasPrefix("cannot read job file"), "\($0)") }
        }
    }

    // MARK: - Shards

    func testShardsFromFlagAndEnvironment() throws {
        XCTAssertEqual(try Shard.resolve(flag: "2/5", shards: nil, environment: [:]), try Shard(index: 2, count: 5))
        XCTAssertEqual(try Shard.resolve(flag: nil, shards: nil, environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"]),
                       try Shard(index: 3, count: 4))
        XCTAssertEqual(try Shard.resolve(flag: nil, shards: nil, environment: ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"]),
                       try Shard(index: 3, count: 4))
        XCTAssertEqual(try Shard.resolve(flag: nil, shards: 6, environment: ["JOB_COMPLETION_INDEX": "5"]), try Shard(index: 5, count: 6))
        XCTAssertEqual(try Shard.resolve(flag: nil, shards: nil, environment: [:]), Shard.all)
        for (flag, shards, env) in [("4/4", nil, [:]), ("x", nil, [:]), (nil, nil, ["JOB_COMPLETION_INDEX": "1"]), (nil, 3, [:]),
                                    ("1/2", 3, [:])] as [(String?, Int?, [String: String])] {
            XCTAssertThrowsError(try Shard.resolve(flag: flag, shards: shards, environment: env)) {
                XCTAssertTrue("\($0)".hasPrefix("invalid shard:"), "\($0)")
            }
        }
        let job = try JobFile(url: try file("p.txt", (0..<10).map { "p\($0)" }.joined(separator: "\n")))
        var seen: [Int] = []
        for i in 0..<3 { seen += job.items.filter(try Shard(index: i, count: 3).contains).map(\.index) }
        XCTAssertEqual(seen.sorted(), Array(0..<10))
    }

    func testGroupsKeepShapesApartAndChunk() throws {
        let job = try JobFile(url: try file("g.yaml", "defaults: {width: 32, height: 32, frames: 9}\njobs:\n  - a\n  - prompt: b\n    width: 48\n  - c\n  - d\n  - e\n"))
        let groups = BatchRunner.groups(job.items, size: 2)
        XCTAssertEqual(groups.map { $0.map(\.index) }, [[0, 2], [3, 4], [1]])
    }
}
