// Configuration of the Wan diffusion transformer, decoded from diffusers' `transformer/config.json`.
// Ports the constructor arguments of `WanTransformer3DModel` in diffusers 0.42.1
// (`diffusers/models/transformers/transformer_wan.py`), with the checkpoint's own key names.

import Foundation

// MARK: - Config

/// The hyper-parameters of a `WanTransformer3DModel` checkpoint.
///
/// Keys are diffusers' names (`num_attention_heads`, `attention_head_dim`, …), so a
/// `transformer/config.json` written by `save_pretrained` decodes as is; keys this port does not
/// use (`_class_name`, `_diffusers_version`, `window_size`, …) are ignored, as diffusers does.
/// Missing keys take diffusers' defaults. Options this port does not implement (image
/// conditioning) are rejected by `validate()` with a `WanTransformerConfigError`.
public struct WanTransformerConfig: Codable, Sendable, Equatable {
    /// 3D patch size (t, h, w); Wan uses (1, 2, 2).
    public var patchSize: [Int]
    public var numAttentionHeads: Int
    public var attentionHeadDim: Int
    public var inChannels: Int
    /// `nil` in the JSON means "same as `in_channels`" (diffusers: `out_channels or in_channels`).
    public var outChannels: Int?
    /// Width of the prompt encoder's token states.
    public var textDim: Int
    /// Width of the sinusoidal timestep embedding.
    public var freqDim: Int
    public var ffnDim: Int
    public var numLayers: Int
    /// Affine LayerNorm before cross-attention (`norm2`); identity when false.
    public var crossAttnNorm: Bool
    /// diffusers always builds RMSNorm `norm_q`/`norm_k` over all heads, whatever this says.
    public var qkNorm: String?
    public var eps: Float
    /// Image conditioning (Wan I2V): not supported.
    public var imageDim: Int?
    /// Image conditioning (Wan I2V): not supported.
    public var addedKVProjDim: Int?
    /// Positions for which the 3D RoPE table is built (per axis).
    public var ropeMaxSeqLen: Int
    /// Image conditioning (Wan FLF2V): not supported.
    public var posEmbedSeqLen: Int?

    enum CodingKeys: String, CodingKey {
        case patchSize = "patch_size"
        case numAttentionHeads = "num_attention_heads"
        case attentionHeadDim = "attention_head_dim"
        case inChannels = "in_channels"
        case outChannels = "out_channels"
        case textDim = "text_dim"
        case freqDim = "freq_dim"
        case ffnDim = "ffn_dim"
        case numLayers = "num_layers"
        case crossAttnNorm = "cross_attn_norm"
        case qkNorm = "qk_norm"
        case eps
        case imageDim = "image_dim"
        case addedKVProjDim = "added_kv_proj_dim"
        case ropeMaxSeqLen = "rope_max_seq_len"
        case posEmbedSeqLen = "pos_embed_seq_len"
    }

    /// Builds a config; the defaults are diffusers' constructor defaults (Wan2.1 14B).
    public init(
        patchSize: [Int] = [1, 2, 2], numAttentionHeads: Int = 40, attentionHeadDim: Int = 128,
        inChannels: Int = 16, outChannels: Int? = 16, textDim: Int = 4096, freqDim: Int = 256,
        ffnDim: Int = 13824, numLayers: Int = 40, crossAttnNorm: Bool = true,
        qkNorm: String? = "rms_norm_across_heads", eps: Float = 1e-6, imageDim: Int? = nil,
        addedKVProjDim: Int? = nil, ropeMaxSeqLen: Int = 1024, posEmbedSeqLen: Int? = nil
    ) {
        self.patchSize = patchSize
        self.numAttentionHeads = numAttentionHeads
        self.attentionHeadDim = attentionHeadDim
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.textDim = textDim
        self.freqDim = freqDim
        self.ffnDim = ffnDim
        self.numLayers = numLayers
        self.crossAttnNorm = crossAttnNorm
        self.qkNorm = qkNorm
        self.eps = eps
        self.imageDim = imageDim
        self.addedKVProjDim = addedKVProjDim
        self.ropeMaxSeqLen = ropeMaxSeqLen
        self.posEmbedSeqLen = posEmbedSeqLen
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = WanTransformerConfig()
        patchSize = try c.decodeIfPresent([Int].self, forKey: .patchSize) ?? d.patchSize
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? d.numAttentionHeads
        attentionHeadDim = try c.decodeIfPresent(Int.self, forKey: .attentionHeadDim) ?? d.attentionHeadDim
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? d.inChannels
        // An explicit `null` means "same as in_channels"; an absent key takes the default 16.
        if c.contains(.outChannels) {
            outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels)
        } else {
            outChannels = d.outChannels
        }
        textDim = try c.decodeIfPresent(Int.self, forKey: .textDim) ?? d.textDim
        freqDim = try c.decodeIfPresent(Int.self, forKey: .freqDim) ?? d.freqDim
        ffnDim = try c.decodeIfPresent(Int.self, forKey: .ffnDim) ?? d.ffnDim
        numLayers = try c.decodeIfPresent(Int.self, forKey: .numLayers) ?? d.numLayers
        crossAttnNorm = try c.decodeIfPresent(Bool.self, forKey: .crossAttnNorm) ?? d.crossAttnNorm
        if c.contains(.qkNorm) {
            qkNorm = try c.decodeIfPresent(String.self, forKey: .qkNorm)
        } else {
            qkNorm = d.qkNorm
        }
        eps = try c.decodeIfPresent(Float.self, forKey: .eps) ?? d.eps
        imageDim = try c.decodeIfPresent(Int.self, forKey: .imageDim)
        addedKVProjDim = try c.decodeIfPresent(Int.self, forKey: .addedKVProjDim)
        ropeMaxSeqLen = try c.decodeIfPresent(Int.self, forKey: .ropeMaxSeqLen) ?? d.ropeMaxSeqLen
        posEmbedSeqLen = try c.decodeIfPresent(Int.self, forKey: .posEmbedSeqLen)
    }

    // MARK: - Loading

    /// Decodes and validates `config.json` at `url`.
    public static func load(from url: URL) throws -> WanTransformerConfig {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw WanTransformerConfigError.unreadable(path: url.path, reason: "\(error.localizedDescription)")
        }
        return try decode(data, path: url.path)
    }

    /// Decodes and validates a `config.json` document; `path` only names it in errors.
    public static func decode(_ data: Data, path: String = "config.json") throws -> WanTransformerConfig {
        let config: WanTransformerConfig
        do {
            config = try JSONDecoder().decode(WanTransformerConfig.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw WanTransformerConfigError.malformed(path: path, reason: "key '\(key)': \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            throw WanTransformerConfigError.malformed(path: path, reason: context.debugDescription)
        } catch {
            throw WanTransformerConfigError.malformed(path: path, reason: "\(error)")
        }
        try config.validate()
        return config
    }

    // MARK: - Derived sizes

    /// Model width `num_attention_heads × attention_head_dim` (diffusers' `inner_dim`).
    public var innerDim: Int { numAttentionHeads * attentionHeadDim }

    /// Output latent channels (`out_channels or in_channels`).
    public var resolvedOutChannels: Int { outChannels ?? inChannels }

    /// Values per patch token: `in_channels × p_t × p_h × p_w`.
    public var patchVolume: Int { patchSize.reduce(1, *) }

    /// Number of weights a checkpoint of this config holds.
    public var parameterCount: Int {
        let d = innerDim, p = patchVolume
        let patch = d * inChannels * p + d
        let time = (d * freqDim + d) + (d * d + d) + (6 * d * d + 6 * d)
        let text = (d * textDim + d) + (d * d + d)
        let attention = 4 * (d * d + d) + 2 * d
        let block = 6 * d + 2 * attention + (crossAttnNorm ? 2 * d : 0) + (ffnDim * d + ffnDim) + (d * ffnDim + d)
        let head = 2 * d + resolvedOutChannels * p * d + resolvedOutChannels * p
        return patch + time + text + numLayers * block + head
    }

    // MARK: - Validation

    /// Throws when a size is not positive or an option is one this port does not implement.
    public func validate() throws {
        func positive(_ value: Int, _ key: String) throws {
            if value < 1 { throw WanTransformerConfigError.invalid(key: key, reason: "must be at least 1 (found \(value))") }
        }
        guard patchSize.count == 3 else {
            throw WanTransformerConfigError.invalid(
                key: "patch_size", reason: "must list 3 sizes (t, h, w), found \(patchSize)")
        }
        for p in patchSize { try positive(p, "patch_size") }
        try positive(numAttentionHeads, "num_attention_heads")
        try positive(attentionHeadDim, "attention_head_dim")
        try positive(inChannels, "in_channels")
        if let outChannels { try positive(outChannels, "out_channels") }
        try positive(textDim, "text_dim")
        try positive(freqDim, "freq_dim")
        try positive(ffnDim, "ffn_dim")
        try positive(numLayers, "num_layers")
        try positive(ropeMaxSeqLen, "rope_max_seq_len")
        // RoPE splits the head dim into (t, h, w) parts, each rotated in pairs.
        let hw = 2 * (attentionHeadDim / 6)
        if attentionHeadDim % 2 != 0 || hw == 0 {
            throw WanTransformerConfigError.invalid(
                key: "attention_head_dim",
                reason: "3D RoPE needs an even head dim of at least 6 (found \(attentionHeadDim))")
        }
        if !(eps > 0) || !eps.isFinite {
            throw WanTransformerConfigError.invalid(key: "eps", reason: "must be a positive number (found \(eps))")
        }
        if let qkNorm, qkNorm != "rms_norm_across_heads" {
            throw WanTransformerConfigError.unsupported(
                key: "qk_norm", value: qkNorm,
                hint: "diffusers 0.42.1 builds RMSNorm across heads; use \"rms_norm_across_heads\"")
        }
        if let imageDim {
            throw WanTransformerConfigError.unsupported(
                key: "image_dim", value: "\(imageDim)",
                hint: "image conditioning (Wan I2V) is not implemented; use a text-to-video checkpoint (image_dim null)")
        }
        if let addedKVProjDim {
            throw WanTransformerConfigError.unsupported(
                key: "added_kv_proj_dim", value: "\(addedKVProjDim)",
                hint: "image cross-attention (Wan I2V) is not implemented; use a text-to-video checkpoint")
        }
        if let posEmbedSeqLen {
            throw WanTransformerConfigError.unsupported(
                key: "pos_embed_seq_len", value: "\(posEmbedSeqLen)",
                hint: "first-last-frame conditioning (Wan FLF2V) is not implemented; use a text-to-video checkpoint")
        }
    }
}

// MARK: - Errors

/// A transformer `config.json` that cannot be used.
public enum WanTransformerConfigError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case invalid(key: String, reason: String)
    case unsupported(key: String, value: String, hint: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read transformer config \(path): \(reason)"
        case let .malformed(path, reason):
            return "transformer config \(path) is not a valid WanTransformer3DModel config: \(reason)"
        case let .invalid(key, reason):
            return "transformer config: '\(key)' \(reason)"
        case let .unsupported(key, value, hint):
            return "transformer config: '\(key)' = \(value) is not supported: \(hint)"
        }
    }
}
