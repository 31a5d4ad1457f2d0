// Errors of the prompt encoder: each one line that says what is wrong and how to fix it.

import Foundation

/// Something the prompt encoder could not do, with what the user must know to fix it.
public enum TextEncoderError: Error, CustomStringConvertible, Equatable {
    /// The encoder folder itself is absent.
    case notInstalled(directory: String)
    /// A file of the encoder folder is absent.
    case missingFile(path: String)
    /// A file of the encoder folder exists but cannot be read or parsed.
    case unreadableFile(path: String, reason: String)
    /// The weights file is corrupt or does not match `config.json` (the message names the file
    /// and the tensors).
    case invalidWeights(message: String)
    /// The prompt's bytes are not valid UTF-8; `offset` is the first bad byte (0-based).
    case invalidUTF8(byteOffset: Int)
    /// A configuration value this port does not support.
    case unsupportedConfig(path: String, reason: String)

    public var description: String {
        switch self {
        case .notInstalled(let directory):
            return "prompt encoder not installed: no folder \(directory); `make setup` (or `bash scripts/setup.sh`) installs it"
        case .missingFile(let path):
            return "prompt encoder file missing: \(path); `make setup` (or `bash scripts/setup.sh`) installs it"
        case .unreadableFile(let path, let reason):
            return "prompt encoder file unreadable: \(path): \(reason); reinstall with `make setup` (or `bash scripts/setup.sh`)"
        case .invalidWeights(let message):
            return "prompt encoder weights rejected: \(message); `make setup` (or `bash scripts/setup.sh`) reinstalls them"
        case .invalidUTF8(let offset):
            return "prompt is not valid UTF-8: bad byte at position \(offset) (0-based); pass text encoded as UTF-8"
        case .unsupportedConfig(let path, let reason):
            return "unsupported prompt encoder configuration in \(path): \(reason)"
        }
    }
}

/// A `DecodingError` as one line: the key path and what was wrong.
func describeDecodingError(_ error: Error) -> String {
    func path(_ keys: [CodingKey]) -> String { keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") }
    switch error {
    case DecodingError.keyNotFound(let key, let context):
        return "missing key \(path(context.codingPath + [key]))"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
        return "wrong type at \(path(context.codingPath)): \(context.debugDescription)"
    case DecodingError.dataCorrupted(let context):
        return "invalid JSON\(context.codingPath.isEmpty ? "" : " at " + path(context.codingPath)): \(context.debugDescription)"
    default:
        return "\(error)".replacingOccurrences(of: "\n", with: " ")
    }
}
