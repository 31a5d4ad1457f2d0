// The model folder: the diffusers layout the fixture model was saved in, and one clear error
// (naming the path and how to get a model) for each missing or broken piece.
// Fixture: `python3 scripts/fixtures/wan_pipeline.py` -> Tests/Fixtures/wan_pipeline/model
// (diffusers' WanPipeline.save_pretrained plus text_encoder/tessera.json).

import Foundation
import TesseraPipeline
import XCTest

final class ModelFolderTests: XCTestCase {
    let fixture = Fixtures.url("wan_pipeline", "model")
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-modelfolder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// A copy of the fixture model that a test may break.
    func copyOfFixture() throws -> URL {
        let copy = scratch.appendingPathComponent("tiny-model")
        try FileManager.default.copyItem(at: fixture, to: copy)
        return copy
    }

    func testOpensFixtureModel() throws {
        let folder = try ModelFolder(url: fixture)
        XCTAssertEqual(folder.name, "model")
        XCTAssertEqual(folder.pipelineClass, "WanPipeline")
        XCTAssertEqual(folder.promptEncoder, PromptEncoderSpec(name: "all-MiniLM-L6-v2", hiddenSize: 384, maxLength: 16, padding: .zeros))
        XCTAssertEqual(folder.transformerWeightsURL.lastPathComponent, "diffusion_pytorch_model.safetensors")
        XCTAssertEqual(folder.vaeWeightsURL.deletingLastPathComponent().lastPathComponent, "vae")
        let hash = try folder.weightsSHA256()
        XCTAssertEqual(hash.count, 64)
        XCTAssertNotEqual(hash, try folder.vaeSHA256())
        // Checked against `sha256sum` of the same file.
        XCTAssertEqual(hash, try shellSHA256(folder.transformerWeightsURL))
    }

    func shellSHA256(_ url: URL) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sha256sum", url.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        p.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return String(out.prefix(64))
    }

    func testMissingFolderSaysHowToGetAModel() {
        let missing = scratch.appendingPathComponent("nowhere")
        XCTAssertThrowsError(try ModelFolder(url: missing)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("model folder not found: \(missing.path)"), text)
            XCTAssertTrue(text.contains("--model PATH"), text)
            XCTAssertTrue(text.contains("tessera-shapes"), text)
        }
    }

    func testEachMissingFileIsNamed() throws {
        let cases = [
            ("model_index.json", "model_index.json"),
            ("transformer/config.json", "the transformer config"),
            ("transformer/diffusion_pytorch_model.safetensors", "the transformer weights"),
            ("vae/config.json", "the VAE config"),
            ("vae/diffusion_pytorch_model.safetensors", "the VAE weights"),
            ("scheduler/scheduler_config.json", "the scheduler config"),
            ("text_encoder/tessera.json", "the prompt-encoder note"),
        ]
        for (file, what) in cases {
            let copy = try copyOfFixture()
            try FileManager.default.removeItem(at: copy.appendingPathComponent(file))
            XCTAssertThrowsError(try ModelFolder(url: copy), file) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(what), text)
                XCTAssertTrue(text.contains(copy.appendingPathComponent(file).path), text)
                XCTAssertFalse(text.contains("\n"), text)
            }
            try FileManager.default.removeItem(at: copy)
        }
    }

    func testUmT5ModelIsExplained() throws {
        let copy = try copyOfFixture()
        try FileManager.default.removeItem(at: copy.appendingPathComponent("text_encoder/tessera.json"))
        try Data("{}".utf8).write(to: copy.appendingPathComponent("text_encoder/config.json"))
        XCTAssertThrowsError(try ModelFolder(url: copy)) { error in
            XCTAssertTrue("\(error)".contains("its own text encoder"), "\(error)")
        }
    }

    func testBrokenJSONIsNamed() throws {
        let copy = try copyOfFixture()
        let note = copy.appendingPathComponent("text_encoder/tessera.json")
        try Data(#"{"name": "all-MiniLM-L6-v2"}"#.utf8).write(to: note)
        XCTAssertThrowsError(try ModelFolder(url: copy)) { error in
            XCTAssertTrue("\(error)".contains("cannot read \(note.path): missing key 'max_length'"), "\(error)")
        }
        try Data(#"{"name": "all-MiniLM-L6-v2", "max_length": 16, "padding": "left"}"#.utf8).write(to: note)
        XCTAssertThrowsError(try ModelFolder(url: copy)) { error in
            XCTAssertTrue("\(error)".contains("padding must be"), "\(error)")
        }
        try Data("[1, 2]".utf8).write(to: copy.appendingPathComponent("model_index.json"))
        XCTAssertThrowsError(try ModelFolder(url: copy)) { error in
            XCTAssertTrue("\(error)".contains("model_index.json: expected a JSON object"), "\(error)")
        }
    }

    func testDefaultModelLookup() throws {
        // A fake repository: <repo>/Package.swift, <repo>/.build/release/tessera.
        let repo = scratch.appendingPathComponent("repo")
        let bin = repo.appendingPathComponent(".build/release")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try Data().write(to: repo.appendingPathComponent("Package.swift"))
        let home = scratch.appendingPathComponent("home")
        let candidates = ModelFolder.defaultCandidates(
            executable: bin.appendingPathComponent("tessera"), environment: ["TESSERA_HOME": home.path],
            currentDirectory: scratch)
        XCTAssertEqual(candidates.map(\.path), [
            repo.appendingPathComponent("models/tessera-shapes").path,
            scratch.appendingPathComponent("models/tessera-shapes").path,
            home.appendingPathComponent("models/tessera-shapes").path,
        ])
        XCTAssertThrowsError(try ModelFolder.locateDefault(candidates: candidates)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("no default model installed (looked for \(candidates[0].path), "), text)
            XCTAssertTrue(text.contains("--model PATH"), text)
        }
        // Installed under $TESSERA_HOME/models: found.
        try FileManager.default.createDirectory(at: home.appendingPathComponent("models"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture, to: home.appendingPathComponent("models/tessera-shapes"))
        XCTAssertEqual(try ModelFolder.locateDefault(candidates: candidates).name, "tessera-shapes")
    }
}
