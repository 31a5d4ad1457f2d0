// Errors of scheduler configuration: one line naming the key, the value found and what works.

// MARK: - SchedulerError

/// A `scheduler_config.json` (or a command-line override) that Tessera's schedulers cannot honour.
public enum SchedulerError: Error, CustomStringConvertible, Equatable {
    /// The JSON could not be decoded; `reason` carries the decoder's words.
    case invalidConfig(reason: String)
    /// A key holds a value that this scheduler does not support (or that diverges in diffusers too).
    case unsupported(key: String, value: String, hint: String)
    /// A value is out of its valid range.
    case outOfRange(key: String, value: String, expected: String)
    /// The sampler name is not one of Tessera's.
    case unknownSampler(String)

    public var description: String {
        switch self {
        case let .invalidConfig(reason):
            return "scheduler config: \(reason)"
        case let .unsupported(key, value, hint):
            return "scheduler config: \(key) = \(value) is not supported; \(hint)"
        case let .outOfRange(key, value, expected):
            return "scheduler config: \(key) = \(value) is out of range; expected \(expected)"
        case let .unknownSampler(name):
            return "unknown sampler '\(name)'; choose one of \(Sampler.allCases.map(\.rawValue).joined(separator: ", "))"
        }
    }
}

// MARK: - Option checks

extension SchedulerError {
    /// Throws `unsupported` when a string option is set to anything but `expected` (unset passes).
    static func require(_ key: String, _ value: String?, is expected: String, hint: String) throws {
        if let value, value != expected { throw unsupported(key: key, value: value, hint: hint) }
    }

    /// Throws `unsupported` when a flag is set to `forbidden` (unset passes).
    static func require(_ key: String, _ flag: Bool?, isNot forbidden: Bool, hint: String) throws {
        if flag == forbidden { throw unsupported(key: key, value: "\(forbidden)", hint: hint) }
    }
}
