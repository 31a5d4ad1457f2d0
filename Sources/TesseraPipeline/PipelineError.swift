// Errors of the model folder and the text-to-video pipeline: each one line that says what is
// wrong and how to fix it (path, key, expected vs found), printed as is by the CLI.

import Foundation

// MARK: - PipelineError

/// What can go wrong between a model folder on disk and a finished clip.
public enum PipelineError: Error, CustomStringConvertible, Equatable {
    /// The model folder does not exist. `hint` says how to get one.
    case modelFolderMissing(path: String, hint: String)
    /// No `--model` was given and the default model is in none of the places looked at.
    case defaultModelMissing(searched: [String], hint: String)
    /// A file the diffusers layout requires is missing from the model folder.
    case modelFileMissing(path: String, what: String, hint: String)
    /// A JSON file exists but cannot be read as what it should be.
    case invalidModelFile(path: String, reason: String)
    /// A generation setting is out of range; `reason` names the nearest valid values.
    case invalidSetting(name: String, reason: String)
    /// Initial noise given with `--noise` has the wrong name, shape or dtype.
    case invalidNoise(path: String, reason: String)
    /// The output folder exists or cannot be written.
    case outputUnavailable(path: String, reason: String)
    /// The run was cancelled (progress callback returned false, or SIGINT/SIGTERM).
    case cancelled(stage: String)

    public var description: String {
        switch self {
        case let .modelFolderMissing(path, hint):
            return "model folder not found: \(path). \(hint)"
        case let .defaultModelMissing(searched, hint):
            return "no default model installed (looked for \(searched.joined(separator: ", "))). \(hint)"
        case let .modelFileMissing(path, what, hint):
            return "model folder is incomplete: \(what) not found at \(path). \(hint)"
        case let .invalidModelFile(path, reason):
            return "cannot read \(path): \(reason)"
        case let .invalidSetting(name, reason):
            return "invalid \(name): \(reason)"
        case let .invalidNoise(path, reason):
            return "cannot use noise file \(path): \(reason)"
        case let .outputUnavailable(path, reason):
            return "cannot write output \(path): \(reason)"
        case let .cancelled(stage):
            return "cancelled during \(stage); no output was kept"
        }
    }
}
