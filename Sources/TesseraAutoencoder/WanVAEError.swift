// Errors of the Wan video autoencoder: configuration, weights and input shapes.

/// What went wrong loading or running the Wan VAE, in one line that says how to fix it.
public enum WanVAEError: Error, CustomStringConvertible, Equatable {
    /// `config.json` could not be read or decoded.
    case unreadableConfig(path: String, reason: String)
    /// A configuration key holds a value this port does not run.
    case unsupportedConfig(key: String, found: String, expected: String)
    /// An input tensor has the wrong rank, channel count or size.
    case badInput(what: String, expected: String, found: [Int])

    public var description: String {
        switch self {
        case .unreadableConfig(let path, let reason):
            return "cannot read the VAE config \(path): \(reason)"
        case .unsupportedConfig(let key, let found, let expected):
            return "unsupported VAE config: \(key) is \(found), expected \(expected)"
        case .badInput(let what, let expected, let found):
            return "bad VAE input: \(what) has shape \(found), expected \(expected)"
        }
    }
}
