// One line of a batch manifest (`manifest.jsonl`).

import Foundation

// MARK: - ManifestEntry

/// The state of one item: done or failed, with its seed, timings, paths and model hash.
public struct ManifestEntry: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        case done
        case failed
    }

    public var index: Int
    public var id: String?
    public var prompt: String
    public var seed: UInt64
    public var status: Status
    /// Why the item failed (nil when done).
    public var error: String?
    /// The item's folder, relative to OUT.
    public var folder: String
    /// The clip, relative to OUT (nil when failed).
    public var clip: String?
    public var metadata: String?
    public var width: Int
    public var height: Int
    public var frames: Int
    public var fps: Int
    public var steps: Int
    public var guidance: Double
    /// Seconds per stage as metadata.json records them (load is shared by a process's items
    /// and counted once, on its first).
    public var seconds: [String: Double]
    /// SHA-256 of the transformer weights.
    public var modelSHA256: String?
    /// Which shard rendered it ("0/1" for an unsharded run).
    public var shard: String
    /// Whether this run skipped it because its outputs were already complete.
    public var resumed: Bool
    /// When the item finished (ISO 8601, UTC).
    public var finished: String

    enum CodingKeys: String, CodingKey {
        case index, id, prompt, seed, status, error, folder, clip, metadata, width, height, frames, fps, steps, guidance
        case seconds
        case modelSHA256 = "model_sha256"
        case shard, resumed, finished
    }

    public init(item: BatchItem, status: Status, error: String?, clip: String?, metadata: String?,
                seconds: [String: Double], modelSHA256: String?, shard: Shard, resumed: Bool, finished: Date = Date()) {
        let r = item.request
        index = item.index
        id = item.id
        prompt = r.prompt
        seed = r.seed
        self.status = status
        self.error = error
        folder = item.folderName
        self.clip = clip
        self.metadata = metadata
        width = r.width
        height = r.height
        frames = r.frames
        fps = r.fps
        steps = r.steps
        guidance = r.guidance
        self.seconds = seconds
        self.modelSHA256 = modelSHA256
        self.shard = shard.description
        self.resumed = resumed
        self.finished = ManifestEntry.timestamp(finished)
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// One JSON line (keys sorted), no newline.
    public func jsonLine() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
