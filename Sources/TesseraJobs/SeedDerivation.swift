// Per-item seeds of a batch, derived from the batch's base seed and the item's stable
// identity, so an item's clip does not depend on run order, resume or sharding.

import Foundation

// MARK: - SeedDerivation

/// How an item without an explicit `seed` gets one:
///
///     identity = "id:<id>"     when the item has an explicit `id`
///                "index:<n>"   otherwise (n = its 0-based position in the file)
///     seed     = splitmix64(base ^ fnv1a64(utf8(identity))) & 0xFFFF_FFFF
///
/// FNV-1a (64-bit) hashes the identity; SplitMix64 (Steele et al. 2014, the finaliser of
/// java.util.SplittableRandom) mixes it with the base seed; the low 32 bits are kept so the
/// seed can be retyped into `tessera generate --seed`. The function is fixed: changing it
/// would change every derived clip, so it is tested against literal values.
public enum SeedDerivation {
    /// The seed of the item with `identity` in a batch with base seed `base`.
    public static func seed(base: UInt64, identity: String) -> UInt64 {
        splitmix64(base ^ fnv1a64(Array(identity.utf8))) & 0xFFFF_FFFF
    }

    /// "id:<id>" or "index:<n>".
    public static func identity(id: String?, index: Int) -> String {
        id.map { "id:\($0)" } ?? "index:\(index)"
    }

    /// FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
    public static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            hash ^= UInt64(b)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// SplitMix64's output function applied to `x + golden gamma`.
    public static func splitmix64(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
