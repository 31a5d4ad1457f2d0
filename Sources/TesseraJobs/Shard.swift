// Which items of a batch this process renders: item i belongs to shard i mod N.

import Foundation

// MARK: - Shard

/// Shard `index` of `count` (0-based): the items whose index mod `count` is `index`.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    /// The whole batch.
    public static let all = Shard(validIndex: 0, count: 1)

    init(validIndex: Int, count: Int) {
        self.index = validIndex
        self.count = count
    }

    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw JobError.invalidShard("the shard count must be at least 1, got \(count)") }
        guard (0..<count).contains(index) else {
            throw JobError.invalidShard("shard index \(index) is outside 0..<\(count) (indices are 0-based)")
        }
        self.init(validIndex: index, count: count)
    }

    /// "I/N" as `--shard` takes it.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw JobError.invalidShard("`\(text)`; write I/N, e.g. --shard 0/4 for the first of four shards")
        }
        try self.init(index: i, count: n)
    }

    /// The shard an explicit flag or the cluster's environment names:
    /// `--shard I/N`; else Slurm job arrays (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`,
    /// offset by `SLURM_ARRAY_TASK_MIN` when the array does not start at 0); else Kubernetes
    /// Indexed Jobs (`JOB_COMPLETION_INDEX`, with the count from `--shards N`); else the
    /// whole batch.
    public static func resolve(flag: String?, shards: Int?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Shard {
        if let flag {
            let shard = try Shard(parsing: flag)
            if let shards, shards != shard.count {
                throw JobError.invalidShard("--shard \(flag) and --shards \(shards) disagree on the count")
            }
            return shard
        }
        func int(_ name: String) throws -> Int? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            guard let value = Int(text) else { throw JobError.invalidShard("\(name)=\(text) is not an integer") }
            return value
        }
        if let task = try int("SLURM_ARRAY_TASK_ID") {
            guard let count = try shards ?? int("SLURM_ARRAY_TASK_COUNT") else {
                throw JobError.invalidShard("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; pass --shards N")
            }
            return try Shard(index: task - (try int("SLURM_ARRAY_TASK_MIN") ?? 0), count: count)
        }
        if let index = try int("JOB_COMPLETION_INDEX") {
            guard let shards else {
                throw JobError.invalidShard("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job); pass --shards N with the Job's completions")
            }
            return try Shard(index: index, count: shards)
        }
        if let shards, shards != 1 {
            throw JobError.invalidShard("--shards \(shards) needs --shard I/N or JOB_COMPLETION_INDEX / SLURM_ARRAY_TASK_ID to say which shard this is")
        }
        return .all
    }

    public func contains(_ item: BatchItem) -> Bool { item.index % count == index }

    public var description: String { "\(index)/\(count)" }
}
