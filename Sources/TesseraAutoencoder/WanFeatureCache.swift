// The causal feature cache of diffusers 0.42.1 `AutoencoderKLWan` (`feat_cache`, `feat_idx`,
// `CACHE_T = 2` in diffusers/models/autoencoders/autoencoder_kl_wan.py).

import TesseraTensor

/// What each cached layer keeps between chunks: the last `frames` (2) frames of its input, so
/// the next chunk's causal convolution sees them instead of zero padding. Layers take slots in
/// the order they run; `beginChunk()` rewinds the index before each chunk (`feat_idx = [0]`).
final class WanFeatureCache {
    /// `CACHE_T`: frames kept per layer.
    static let frames = 2

    enum Entry {
        /// diffusers' `"Rep"` marker: an upsample3d layer has seen its first chunk, which it
        /// passes through without its time convolution.
        case rep
        case frames(Tensor)
    }

    private var slots: [Entry?] = []
    private(set) var index = 0

    /// `feat_idx = [0]` at the start of each chunk.
    func beginChunk() { index = 0 }

    /// `feat_cache[feat_idx]`: nil on the first chunk.
    var current: Entry? { index < slots.count ? slots[index] : nil }

    /// `feat_cache[feat_idx] = entry; feat_idx += 1`.
    func advance(storing entry: Entry) {
        if index == slots.count { slots.append(entry) } else { slots[index] = entry }
        index += 1
    }
}
