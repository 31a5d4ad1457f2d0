// The manifests of a batch's output folder:
//
//   OUT/manifest.jsonl              one line per item, ordered by index (the combined view)
//   OUT/manifest-<I>-of-<N>.jsonl   what shard I of N rendered (written by sharded runs only,
//                                   so shards never write the same file)
//
// Every manifest is rewritten whole, under a temporary name, after each item, so a killed
// process leaves the previous complete version. Combining takes, per item index, the entry
// that finished last.

import Foundation
import TesseraMedia

// MARK: - Manifest

public enum Manifest {
    public static let fileName = "manifest.jsonl"

    /// `manifest-<I>-of-<N>.jsonl` for a shard, `manifest.jsonl` for the whole batch.
    public static func fileName(for shard: Shard) -> String {
        shard.count == 1 ? fileName : "manifest-\(shard.index)-of-\(shard.count).jsonl"
    }

    /// Whether `name` is a manifest file (combined or per shard).
    public static func isManifest(_ name: String) -> Bool {
        name == fileName || (name.hasPrefix("manifest-") && name.hasSuffix(".jsonl") && name.contains("-of-"))
    }

    /// Entries of one manifest file, in file order.
    public static func read(_ url: URL) throws -> [ManifestEntry] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw JobError.invalidManifest(path: url.path, line: 0, reason: "cannot read it (\(error.localizedDescription))")
        }
        var entries: [ManifestEntry] = []
        for (i, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            do { entries.append(try JSONDecoder().decode(ManifestEntry.self, from: Data(line))) } catch {
                throw JobError.invalidManifest(path: url.path, line: i + 1, reason: "not a manifest entry (\(error)); remove the file to rebuild it from the outputs")
            }
        }
        return entries
    }

    /// Every manifest in `out` combined: per item index, the entry that finished last.
    public static func combined(in out: URL) throws -> [Int: ManifestEntry] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).filter(isManifest).sorted()
        var byIndex: [Int: ManifestEntry] = [:]
        for name in names {
            for entry in try read(out.appendingPathComponent(name)) {
                if let current = byIndex[entry.index], current.finished > entry.finished { continue }
                byIndex[entry.index] = entry
            }
        }
        return byIndex
    }

    /// Writes `entries` (sorted by index) to `url` atomically.
    public static func write(_ entries: [ManifestEntry], to url: URL) throws {
        var data = Data()
        for entry in entries.sorted(by: { $0.index < $1.index }) {
            data.append(try entry.jsonLine())
            data.append(0x0A)
        }
        try AtomicFile.write(data, to: url)
    }

    /// `tessera batch --merge OUT`: combines every manifest into `manifest.jsonl` and rewrites
    /// the gallery. Returns the combined entries.
    @discardableResult
    public static func merge(out: URL) throws -> [ManifestEntry] {
        let entries = try combined(in: out).values.sorted { $0.index < $1.index }
        try write(entries, to: out.appendingPathComponent(fileName))
        try Gallery.write(entries, to: out)
        return entries
    }
}
