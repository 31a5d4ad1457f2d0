// Why a document is not strict JSON, and where.

/// A rejection by `StrictJSONParser`: the byte offset in the parsed buffer and the reason.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Offset of the offending byte from the start of the parsed buffer.
    public var offset: Int
    /// What is wrong, in words ("duplicate key \"a\"", "expected ':' after an object key").
    public var message: String
    /// The repeated key, when the rejection is a duplicate key.
    public var duplicateKey: String?
    /// Nesting level of the object holding the duplicate key (1 = the top-level object).
    public var depth: Int

    public init(offset: Int, message: String, duplicateKey: String? = nil, depth: Int = 0) {
        self.offset = offset
        self.message = message
        self.duplicateKey = duplicateKey
        self.depth = depth
    }

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}
