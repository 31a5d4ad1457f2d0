// What a model loads from: the whole store or a scope of it.

import TesseraTensor

/// A view of a `WeightStore` under a key prefix. Models take their tensors through it with
/// the checkpoint's own key names:
///
/// ```swift
/// let attn = weights.scope("blocks.3").scope("attn1")
/// let toQ = try attn.take("to_q.weight", shape: [dim, dim])  // "blocks.3.attn1.to_q.weight"
/// ```
public protocol WeightSource {
    /// The store the tensors come from.
    var store: WeightStore { get }
    /// The checkpoint key of `key` relative to this source ("to_q.weight" -> "blocks.3.attn1.to_q.weight").
    func fullKey(_ key: String) -> String
}

extension WeightSource {
    /// The tensor at `key` as fp32, which must have exactly `shape`. A missing key, another
    /// shape or a non-float dtype is recorded for `finish()` and zeros of `shape` come back.
    public func take(_ key: String, shape: [Int]) throws -> Tensor {
        try store.take(fullKey: fullKey(key), shape: shape, optional: false)!
    }

    /// The tensor at `key` as fp32, in whatever shape it is stored (for tensors whose shape
    /// the model reads from the checkpoint). Missing keys are recorded as in `take(_:shape:)`.
    public func take(_ key: String) throws -> Tensor {
        try store.take(fullKey: fullKey(key), shape: nil, optional: false)!
    }

    /// The tensor at `key` if the checkpoint has it (an optional bias, say), nil otherwise;
    /// shape and dtype are checked as in `take(_:shape:)`.
    public func takeIfPresent(_ key: String, shape: [Int]) throws -> Tensor? {
        try store.take(fullKey: fullKey(key), shape: shape, optional: true)
    }

    /// True when the checkpoint holds `key`.
    public func contains(_ key: String) -> Bool { store.entry(fullKey(key)) != nil }

    /// The stored shape of `key`, nil when absent (for configs inferred from weights).
    public func shape(of key: String) -> [Int]? { store.entry(fullKey(key))?.shape }

    /// Marks `key` as deliberately unused, so `finish()` does not call it unexpected.
    public func ignore(_ key: String) { store.ignore(fullKey: fullKey(key)) }

    /// Marks every key under `prefix` (the key itself and `prefix.…`, e.g. "pooler") as
    /// deliberately unused; on the store itself, `ignore(prefix: "")` ignores every key.
    public func ignore(prefix: String) { store.ignore(fullPrefix: fullKey(prefix)) }

    /// The keys under `prefix`, joined with a dot: `scope("blocks.3")` then `take("norm.weight", ...)`
    /// reads `blocks.3.norm.weight`.
    public func scope(_ prefix: String) -> WeightScope {
        WeightScope(store: store, prefix: fullKey(prefix))
    }
}
