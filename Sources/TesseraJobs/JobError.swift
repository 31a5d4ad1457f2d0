// Errors of batch jobs: each one line naming the file and line (where there is one), what is
// wrong and how to fix it, printed as is by the CLI.

import Foundation

// MARK: - JobError

/// What can go wrong reading a job file or running a batch.
public enum JobError: Error, CustomStringConvertible, Equatable {
    /// The job file cannot be read (missing, a folder, no permission).
    case unreadable(path: String, reason: String)
    /// The job file is not valid UTF-8; `line` is the first line with a bad byte.
    case notUTF8(path: String, line: Int)
    /// A line or entry of the job file is wrong; `line` is 1-based.
    case invalid(path: String, line: Int, reason: String)
    /// The job file has no items.
    case empty(path: String)
    /// The output folder cannot be created or written.
    case outputUnwritable(path: String, reason: String)
    /// The disk holding the output folder is full; the batch stops, completed items are kept.
    case diskFull(path: String, reason: String)
    /// `--shard` or the shard environment variables are malformed.
    case invalidShard(String)
    /// A manifest line cannot be read.
    case invalidManifest(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read job file \(path): \(reason)"
        case let .notUTF8(path, line):
            return "\(path):\(line): the file is not valid UTF-8; save it as UTF-8"
        case let .invalid(path, line, reason):
            return "\(path):\(line): \(reason)"
        case let .empty(path):
            return "\(path): no items (a .txt file needs one prompt per line; .jsonl one object per line; YAML a `jobs:` list)"
        case let .outputUnwritable(path, reason):
            return "cannot write to output folder \(path): \(reason); choose another -o or fix its permissions"
        case let .diskFull(path, reason):
            return "the disk holding \(path) is full (\(reason)); free some space and run the same command again: completed items are kept and skipped"
        case let .invalidShard(reason):
            return "invalid shard: \(reason)"
        case let .invalidManifest(path, line, reason):
            return "\(path):\(line): \(reason)"
        }
    }
}
