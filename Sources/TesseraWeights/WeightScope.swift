// A key prefix over a weight store.

/// The tensors of a `WeightStore` under one key prefix, e.g. `blocks.3`; nested scopes join
/// their prefixes with dots. Make one with `scope(_:)`.
public struct WeightScope: WeightSource {
    public let store: WeightStore
    /// The full prefix, without the trailing dot ("" for the whole store).
    public let prefix: String

    public init(store: WeightStore, prefix: String) {
        self.store = store
        self.prefix = prefix
    }

    public func fullKey(_ key: String) -> String {
        prefix.isEmpty ? key : key.isEmpty ? prefix : prefix + "." + key
    }
}
