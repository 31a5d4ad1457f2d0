// A Tessera model on disk, in diffusers' layout (what `WanPipeline.save_pretrained` writes),
// plus Tessera's prompt-encoder note:
//
//     <model>/
//       model_index.json                                 pipeline class and components
//       transformer/config.json                          WanTransformer3DModel config
//       transformer/diffusion_pytorch_model.safetensors  (or a sharded *.index.json, or fp16 variant)
//       vae/config.json                                  AutoencoderKLWan config
//       vae/diffusion_pytorch_model.safetensors
//       scheduler/scheduler_config.json                  UniPC / flow-match Euler / DPM-Solver config
//       text_encoder/tessera.json                        the prompt encoder (see PromptEncoderSpec)
//
// The default model, `tessera-shapes`, is looked for in `models/` of the repository the
// `tessera` executable was built in, then in `$TESSERA_HOME/models/`.

import Foundation
import TesseraWeights

// MARK: - ModelFolder

/// A model folder whose every required file exists; configs are read by the components.
public struct ModelFolder: Sendable {
    /// The folder.
    public let url: URL
    /// The model's name: the folder's name (`tessera-shapes`).
    public var name: String { url.lastPathComponent }
    /// `model_index.json`'s `_class_name` (e.g. `WanPipeline`), if any.
    public let pipelineClass: String?
    /// Which prompt encoder the transformer was trained with.
    public let promptEncoder: PromptEncoderSpec

    /// The name of the model `tessera generate` uses when no `--model` is given.
    public static let defaultName = "tessera-shapes"

    /// What to tell a user who has no model.
    public static let howToGetModel =
        "The default model ships with the repository in models/\(defaultName) (run Tessera from the repository, or copy that folder to $TESSERA_HOME/models/); "
        + "or pass --model PATH to a folder in diffusers' layout (model_index.json, transformer/, vae/, scheduler/, text_encoder/tessera.json)."

    // MARK: - Paths

    public var modelIndexURL: URL { url.appendingPathComponent("model_index.json") }
    public var transformerDirectory: URL { url.appendingPathComponent("transformer", isDirectory: true) }
    public var transformerConfigURL: URL { transformerDirectory.appendingPathComponent("config.json") }
    public var vaeDirectory: URL { url.appendingPathComponent("vae", isDirectory: true) }
    public var vaeConfigURL: URL { vaeDirectory.appendingPathComponent("config.json") }
    public var schedulerConfigURL: URL {
        url.appendingPathComponent("scheduler", isDirectory: true).appendingPathComponent("scheduler_config.json")
    }
    public var promptEncoderURL: URL {
        url.appendingPathComponent("text_encoder", isDirectory: true).appendingPathComponent(PromptEncoderSpec.fileName)
    }

    /// The transformer's weights file (or shard index), first of `WeightStore.folderCandidates`.
    public let transformerWeightsURL: URL
    /// The VAE's weights file (or shard index).
    public let vaeWeightsURL: URL

    // MARK: - Opening

    /// Checks that `url` holds a complete model folder and reads `model_index.json` and
    /// `text_encoder/tessera.json`. Loads no weights.
    public init(url: URL) throws {
        let url = url.standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PipelineError.modelFolderMissing(path: url.path, hint: Self.howToGetModel)
        }
        self.url = url
        let hint = "Re-export the model in diffusers' layout (save_pretrained), or see: \(Self.howToGetModel)"
        func require(_ file: URL, _ what: String) throws {
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw PipelineError.modelFileMissing(path: file.path, what: what, hint: hint)
            }
        }
        let index = url.appendingPathComponent("model_index.json")
        try require(index, "the pipeline index model_index.json")
        pipelineClass = try Self.readPipelineClass(index)
        try require(url.appendingPathComponent("transformer/config.json"), "the transformer config")
        try require(url.appendingPathComponent("vae/config.json"), "the VAE config")
        try require(url.appendingPathComponent("scheduler/scheduler_config.json"), "the scheduler config")
        transformerWeightsURL = try Self.weights(in: url.appendingPathComponent("transformer"), what: "the transformer weights", hint: hint)
        vaeWeightsURL = try Self.weights(in: url.appendingPathComponent("vae"), what: "the VAE weights", hint: hint)
        let note = url.appendingPathComponent("text_encoder").appendingPathComponent(PromptEncoderSpec.fileName)
        guard FileManager.default.fileExists(atPath: note.path) else {
            let other = FileManager.default.fileExists(atPath: url.appendingPathComponent("text_encoder/config.json").path)
            throw PipelineError.modelFileMissing(
                path: note.path, what: "the prompt-encoder note",
                hint: other
                    ? "This model was trained with its own text encoder (text_encoder/config.json, e.g. Wan's umT5); Tessera runs models conditioned on all-MiniLM-L6-v2, named in text_encoder/tessera.json."
                    : "Add {\"name\": \"all-MiniLM-L6-v2\", \"hidden_size\": 384, \"max_length\": N, \"padding\": \"zeros\"} with the max_length used in training.")
        }
        promptEncoder = try PromptEncoderSpec.load(from: note)
    }

    /// The first weights file `WeightStore` would open in `directory`.
    static func weights(in directory: URL, what: String, hint: String) throws -> URL {
        for name in WeightStore.folderCandidates {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        throw PipelineError.modelFileMissing(
            path: directory.appendingPathComponent(WeightStore.folderCandidates[0]).path, what: what, hint: hint)
    }

    /// `_class_name` of `model_index.json`, which must be a JSON object.
    static func readPipelineClass(_ url: URL) throws -> String? {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PipelineError.invalidModelFile(path: url.path, reason: error.localizedDescription)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw PipelineError.invalidModelFile(path: url.path, reason: "expected a JSON object like {\"_class_name\": \"WanPipeline\", ...}")
        }
        return object["_class_name"] as? String
    }

    // MARK: - Default model

    /// Where the default model is looked for, in order: `models/tessera-shapes` in the
    /// repository holding the executable (found by walking up from it to a folder with
    /// `Package.swift`), in the current directory, then `$TESSERA_HOME/models/tessera-shapes`.
    public static func defaultCandidates(
        executable: URL? = Bundle.main.executableURL,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) -> [URL] {
        var candidates: [URL] = []
        if var dir = executable?.resolvingSymlinksInPath().deletingLastPathComponent() {
            while dir.path != "/" {
                if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                    candidates.append(dir.appendingPathComponent("models").appendingPathComponent(defaultName))
                    break
                }
                dir.deleteLastPathComponent()
            }
        }
        candidates.append(currentDirectory.appendingPathComponent("models").appendingPathComponent(defaultName))
        let home = environment["TESSERA_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/tessera")
        candidates.append(home.appendingPathComponent("models").appendingPathComponent(defaultName))
        var seen = Set<String>()
        return candidates.map(\.standardizedFileURL).filter { seen.insert($0.path).inserted }
    }

    /// The default model: the first of `defaultCandidates()` that exists.
    public static func locateDefault(candidates: [URL] = defaultCandidates()) throws -> ModelFolder {
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate.path) {
            return try ModelFolder(url: candidate)
        }
        throw PipelineError.defaultModelMissing(searched: candidates.map(\.path), hint: howToGetModel)
    }

    // MARK: - Identity

    /// SHA-256 (hex) of the transformer's weights, the model's identity in metadata and in the
    /// A1111 `Model hash` field (its first 10 digits). A sharded checkpoint hashes the
    /// concatenation of its shards' hex digests in file-name order.
    public func weightsSHA256() throws -> String {
        let files = try Self.weightFiles(transformerWeightsURL)
        if files.count == 1 { return try SHA256.hexDigest(ofFile: files[0]) }
        let digests = try files.map { try SHA256.hexDigest(ofFile: $0) }.joined()
        return SHA256.hex(SHA256.digest(Array(digests.utf8)))
    }

    /// SHA-256 (hex) of the VAE's weights (same rule).
    public func vaeSHA256() throws -> String {
        let files = try Self.weightFiles(vaeWeightsURL)
        if files.count == 1 { return try SHA256.hexDigest(ofFile: files[0]) }
        let digests = try files.map { try SHA256.hexDigest(ofFile: $0) }.joined()
        return SHA256.hex(SHA256.digest(Array(digests.utf8)))
    }

    /// The safetensors files behind a weights URL (the shards of an index, in order).
    static func weightFiles(_ url: URL) throws -> [URL] {
        guard url.lastPathComponent.hasSuffix(".index.json") else { return [url] }
        let data = try Data(contentsOf: url)
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let map = object["weight_map"] as? [String: String]
        else { throw PipelineError.invalidModelFile(path: url.path, reason: "expected {\"weight_map\": {key: file}}") }
        return Set(map.values).sorted().map { url.deletingLastPathComponent().appendingPathComponent($0) }
    }
}
