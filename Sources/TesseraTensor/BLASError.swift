// Errors from loading the BLAS library.

/// OpenBLAS could not be loaded; the message names the package that installs it.
public struct BLASError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
