// Strict loading of a model's weights by checkpoint key.
//
// A model takes each tensor by its checkpoint key with the shape its config implies. Problems
// do not stop the walk: they are collected, a zero tensor of the expected shape stands in,
// and `finish()` throws one `WeightStoreError` listing every missing, unexpected (never
// taken nor ignored), wrong-shape and wrong-dtype tensor. Nothing passes silently (unlike
// mlx-swift's `verify: .none`); see shared/style.md, "The loader is strict".

import Foundation
import TesseraTensor

/// The tensors of one checkpoint (one safetensors file, several, or a sharded index),
/// taken by key exactly once per model.
///
/// ```swift
/// let model = try WeightStore.load(url) { store in
///     try WanTransformer(config: config, weights: store)  // store.scope("blocks.3").take(...)
/// }
/// ```
public final class WeightStore: WeightSource, @unchecked Sendable {
    /// The checkpoint's name in errors: a file, an index, or a list of files.
    public let source: String
    /// The files, in the order given (shards in the order the index names them first).
    public let files: [SafetensorsFile]

    private let location: [String: (file: Int, entry: SafetensorsEntry)]
    private let lock = NSLock()
    private var taken = Set<String>()
    private var ignoredKeys = Set<String>()
    private var ignoredPrefixes: [String] = []
    private var problems: [WeightStoreError.Problem] = []
    private var finishedResult: WeightStoreError??  // nil: not finished; .some(nil): finished clean

    // MARK: - Opening

    /// File names tried, in order, when `init(url:)` is given a folder (diffusers' and
    /// transformers' layouts, then the fp16 variants).
    public static let folderCandidates = [
        "diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.safetensors.index.json",
        "model.safetensors", "model.safetensors.index.json",
        "diffusion_pytorch_model.fp16.safetensors", "diffusion_pytorch_model.safetensors.fp16.index.json",
        "model.fp16.safetensors",
    ]

    /// Opens a checkpoint: a `.safetensors` file, a `*.safetensors.index.json` shard index,
    /// or a folder holding one of `folderCandidates`.
    public convenience init(url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw SafetensorsError(path: url.path, reason: .io("no such file or folder"))
        }
        if isDirectory.boolValue {
            guard let name = Self.folderCandidates.first(where: {
                FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path)
            }) else {
                throw SafetensorsError(path: url.path, reason: .io(
                    "folder holds no weights: expected one of \(Self.folderCandidates.joined(separator: ", "))"))
            }
            try self.init(url: url.appendingPathComponent(name))
        } else if url.lastPathComponent.hasSuffix(".index.json") {
            let shards = try Self.readIndex(url)
            let opened = try shards.files.map { try SafetensorsFile(url: url.deletingLastPathComponent().appendingPathComponent($0)) }
            try self.init(files: opened, source: url.path)
            try checkIndex(shards.weightMap, indexPath: url.path)
        } else {
            try self.init(files: [SafetensorsFile(url: url)], source: url.path)
        }
    }

    /// One checkpoint spread over several files (a tensor key must be in one file only).
    public convenience init(urls: [URL]) throws {
        try self.init(files: urls.map { try SafetensorsFile(url: $0) },
                      source: urls.count == 1 ? urls[0].path : urls.map(\.path).joined(separator: " + "))
    }

    /// A store over files already opened; `source` names them in errors.
    public init(files: [SafetensorsFile], source: String) throws {
        self.files = files
        self.source = source
        var location: [String: (file: Int, entry: SafetensorsEntry)] = [:]
        var duplicates: [WeightStoreError.Problem] = []
        for (i, file) in files.enumerated() {
            for entry in file.entries {
                if let previous = location[entry.name] {
                    duplicates.append(.duplicateKey(key: entry.name, files: [
                        files[previous.file].url.lastPathComponent, file.url.lastPathComponent,
                    ]))
                } else {
                    location[entry.name] = (i, entry)
                }
            }
        }
        guard duplicates.isEmpty else { throw WeightStoreError(source: source, problems: duplicates) }
        self.location = location
    }

    /// Opens `url` (see `init(url:)`), lets `build` take the tensors, then calls `finish()`,
    /// so a model built this way has matched its checkpoint exactly.
    public static func load<Model>(_ url: URL, _ build: (WeightStore) throws -> Model) throws -> Model {
        let store = try WeightStore(url: url)
        let model = try build(store)
        try store.finish()
        return model
    }

    // MARK: - Shard index

    /// Reads `{"metadata": {...}, "weight_map": {"key": "file.safetensors", ...}}`.
    private static func readIndex(_ url: URL) throws -> (files: [String], weightMap: [(key: String, file: String)]) {
        func invalid(_ message: String) -> WeightStoreError {
            WeightStoreError(source: url.path, problems: [.invalidIndex(message)])
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SafetensorsError(path: url.path, reason: .io("cannot read the shard index"))
        }
        let json: JSONValue
        do {
            json = try StrictJSONParser.parse([UInt8](data))
        } catch let error as JSONSyntaxError {
            throw invalid("not valid JSON: \(error)")
        }
        guard case let .object(map)? = json["weight_map"] else {
            throw invalid("no \"weight_map\" object")
        }
        var files: [String] = []
        var weightMap: [(key: String, file: String)] = []
        for (key, value) in map {
            guard let file = value.stringValue else { throw invalid("weight_map[\"\(key)\"] is a \(value.kindName), expected a file name") }
            guard !file.isEmpty, !file.hasPrefix("/"), !file.split(separator: "/").contains("..") else {
                throw invalid("weight_map[\"\(key)\"] = \"\(file)\" is not a file name inside the checkpoint folder")
            }
            if !files.contains(file) { files.append(file) }
            weightMap.append((key, file))
        }
        return (files, weightMap)
    }

    /// Every key of the index is in its shard and every tensor of a shard is in the index.
    private func checkIndex(_ weightMap: [(key: String, file: String)], indexPath: String) throws {
        var problems: [WeightStoreError.Problem] = []
        var listed = Set<String>()
        for (key, file) in weightMap {
            listed.insert(key)
            if let found = location[key] {
                let actual = files[found.file].url.lastPathComponent
                if actual != (file as NSString).lastPathComponent {
                    problems.append(.invalidIndex("\(key) is listed in \(file) but stored in \(actual)"))
                }
            } else {
                problems.append(.invalidIndex("\(key) is listed in \(file) but that shard does not hold it"))
            }
        }
        for (key, found) in location.sorted(by: { $0.key < $1.key }) where !listed.contains(key) {
            problems.append(.invalidIndex("\(key) is in \(files[found.file].url.lastPathComponent) but not in the index"))
        }
        guard problems.isEmpty else { throw WeightStoreError(source: indexPath, problems: problems) }
    }

    // MARK: - Contents

    /// Every key in the checkpoint, sorted.
    public var keys: [String] { location.keys.sorted() }

    /// The `__metadata__` of the first file.
    public var metadata: [String: String] { files.first?.metadata ?? [:] }

    /// The stored description of `key`, or nil.
    public func entry(_ key: String) -> SafetensorsEntry? { location[key]?.entry }

    // MARK: - WeightSource

    public var store: WeightStore { self }

    public func fullKey(_ key: String) -> String { key }

    // MARK: - Taking (through WeightSource)

    /// Takes `key` as fp32; `shape` nil accepts the stored shape. Records problems (see the
    /// file comment) and returns zeros of `shape` (or the stored shape) when there is one.
    func take(fullKey key: String, shape: [Int]?, optional: Bool) throws -> Tensor? {
        lock.lock()
        if finishedResult != nil {
            lock.unlock()
            throw WeightStoreError(source: source, problems: [.takenAfterFinish(key: key)])
        }
        guard let found = location[key] else {
            if !optional { problems.append(.missing(key: key, expectedShape: shape)) }
            lock.unlock()
            return optional ? nil : Tensor(zeros: shape ?? [0])
        }
        taken.insert(key)
        let file = files[found.file]
        let entry = found.entry
        if let shape, shape != entry.shape {
            problems.append(.wrongShape(key: key, expected: shape, found: entry.shape, file: file.url.lastPathComponent))
            lock.unlock()
            return Tensor(zeros: shape)
        }
        guard entry.dtype.isConvertibleToFloat else {
            problems.append(.wrongDType(key: key, dtype: entry.dtype, file: file.url.lastPathComponent))
            lock.unlock()
            return Tensor(zeros: shape ?? entry.shape)
        }
        lock.unlock()
        return try file.tensor(key)
    }

    func ignore(fullKey key: String) {
        lock.lock(); defer { lock.unlock() }
        ignoredKeys.insert(key)
    }

    func ignore(fullPrefix prefix: String) {
        lock.lock(); defer { lock.unlock() }
        ignoredPrefixes.append(prefix)
    }

    // MARK: - Finishing

    /// Throws one `WeightStoreError` listing every problem recorded by `take`, plus every
    /// tensor of the checkpoint that was neither taken nor ignored. Later calls give the same
    /// result; `take` after `finish()` throws.
    public func finish() throws {
        lock.lock()
        if finishedResult == nil {
            var all = problems
            for (key, found) in location.sorted(by: { $0.key < $1.key })
            where !taken.contains(key) && !ignoredKeys.contains(key) && !ignoredPrefixes.contains(where: { $0.isEmpty || key == $0 || key.hasPrefix($0 + ".") }) {
                all.append(.unexpected(key: key, dtype: found.entry.dtype, shape: found.entry.shape,
                                       file: files[found.file].url.lastPathComponent))
            }
            finishedResult = .some(all.isEmpty ? nil : WeightStoreError(source: source, problems: all))
        }
        let result = finishedResult!
        lock.unlock()
        if let error = result { throw error }
    }

    /// Keys taken so far, sorted (for diagnostics).
    public var takenKeys: [String] {
        lock.lock(); defer { lock.unlock() }
        return taken.sorted()
    }
}
