// Port of the configuration of diffusers 0.42.1 `AutoencoderKLWan.__init__`
// (diffusers/models/autoencoders/autoencoder_kl_wan.py): the keys of `vae/config.json`.

import Foundation

/// The Wan video autoencoder's configuration, decoded from diffusers' `vae/config.json`
/// with the checkpoint's own key names. Defaults are diffusers' defaults (Wan2.1's VAE).
///
/// Wan2.1's architecture is supported. Options that only Wan2.2's VAE uses
/// (`is_residual`, `patch_size`) and attention inside the encoder's down blocks
/// (`attn_scales`, which diffusers 0.42.1 itself cannot run) are rejected by `validate()`.
public struct WanVAEConfig: Codable, Sendable, Equatable {
    public var baseDim: Int
    /// Width of the decoder when it differs from the encoder's (`decoder_base_dim`).
    public var decoderBaseDim: Int?
    public var zDim: Int
    public var dimMult: [Int]
    public var numResBlocks: Int
    public var attnScales: [Double]
    /// Which encoder stages also halve time (diffusers' spelling, `temperal`). The decoder
    /// upsamples in time where this is true, in reverse order.
    public var temperalDownsample: [Bool]
    /// Training only; ignored at inference, as in diffusers' `eval()` mode.
    public var dropout: Double
    public var latentsMean: [Float]
    public var latentsStd: [Float]
    public var isResidual: Bool
    public var inChannels: Int
    public var outChannels: Int
    public var patchSize: Int?
    public var scaleFactorTemporal: Int?
    public var scaleFactorSpatial: Int?
    /// `_class_name` as diffusers writes it; when present it must be `AutoencoderKLWan`.
    public var className: String?

    enum CodingKeys: String, CodingKey {
        case baseDim = "base_dim"
        case decoderBaseDim = "decoder_base_dim"
        case zDim = "z_dim"
        case dimMult = "dim_mult"
        case numResBlocks = "num_res_blocks"
        case attnScales = "attn_scales"
        case temperalDownsample = "temperal_downsample"
        case dropout
        case latentsMean = "latents_mean"
        case latentsStd = "latents_std"
        case isResidual = "is_residual"
        case inChannels = "in_channels"
        case outChannels = "out_channels"
        case patchSize = "patch_size"
        case scaleFactorTemporal = "scale_factor_temporal"
        case scaleFactorSpatial = "scale_factor_spatial"
        case className = "_class_name"
    }

    // MARK: - Defaults (diffusers 0.42.1)

    /// Wan2.1's published latent statistics (diffusers' defaults, z_dim 16).
    public static let wan21LatentsMean: [Float] = [
        -0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508,
        0.4134, -0.0715, 0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921,
    ]
    public static let wan21LatentsStd: [Float] = [
        2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
        3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.9160,
    ]

    public init(
        baseDim: Int = 96, decoderBaseDim: Int? = nil, zDim: Int = 16,
        dimMult: [Int] = [1, 2, 4, 4], numResBlocks: Int = 2, attnScales: [Double] = [],
        temperalDownsample: [Bool] = [false, true, true], dropout: Double = 0,
        latentsMean: [Float] = WanVAEConfig.wan21LatentsMean,
        latentsStd: [Float] = WanVAEConfig.wan21LatentsStd,
        isResidual: Bool = false, inChannels: Int = 3, outChannels: Int = 3,
        patchSize: Int? = nil, scaleFactorTemporal: Int? = 4, scaleFactorSpatial: Int? = 8
    ) {
        self.baseDim = baseDim
        self.decoderBaseDim = decoderBaseDim
        self.zDim = zDim
        self.dimMult = dimMult
        self.numResBlocks = numResBlocks
        self.attnScales = attnScales
        self.temperalDownsample = temperalDownsample
        self.dropout = dropout
        self.latentsMean = latentsMean
        self.latentsStd = latentsStd
        self.isResidual = isResidual
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.patchSize = patchSize
        self.scaleFactorTemporal = scaleFactorTemporal
        self.scaleFactorSpatial = scaleFactorSpatial
    }

    /// Missing keys take diffusers' defaults, as `register_to_config` does.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = WanVAEConfig()
        baseDim = try c.decodeIfPresent(Int.self, forKey: .baseDim) ?? d.baseDim
        decoderBaseDim = try c.decodeIfPresent(Int.self, forKey: .decoderBaseDim)
        zDim = try c.decodeIfPresent(Int.self, forKey: .zDim) ?? d.zDim
        dimMult = try c.decodeIfPresent([Int].self, forKey: .dimMult) ?? d.dimMult
        numResBlocks = try c.decodeIfPresent(Int.self, forKey: .numResBlocks) ?? d.numResBlocks
        attnScales = try c.decodeIfPresent([Double].self, forKey: .attnScales) ?? d.attnScales
        temperalDownsample =
            try c.decodeIfPresent([Bool].self, forKey: .temperalDownsample) ?? d.temperalDownsample
        dropout = try c.decodeIfPresent(Double.self, forKey: .dropout) ?? d.dropout
        latentsMean = try c.decodeIfPresent([Float].self, forKey: .latentsMean) ?? d.latentsMean
        latentsStd = try c.decodeIfPresent([Float].self, forKey: .latentsStd) ?? d.latentsStd
        isResidual = try c.decodeIfPresent(Bool.self, forKey: .isResidual) ?? d.isResidual
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? d.inChannels
        outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels) ?? d.outChannels
        patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize)
        // Absent keys take the defaults; an explicit null stays nil, as in diffusers.
        scaleFactorTemporal = c.contains(.scaleFactorTemporal)
            ? try c.decodeIfPresent(Int.self, forKey: .scaleFactorTemporal) : d.scaleFactorTemporal
        scaleFactorSpatial = c.contains(.scaleFactorSpatial)
            ? try c.decodeIfPresent(Int.self, forKey: .scaleFactorSpatial) : d.scaleFactorSpatial
        className = try c.decodeIfPresent(String.self, forKey: .className)
    }

    /// Reads and validates `config.json` (for example `<model>/vae/config.json`).
    public static func load(from url: URL) throws -> WanVAEConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw WanVAEError.unreadableConfig(path: url.path, reason: "\(error.localizedDescription)")
        }
        let config: WanVAEConfig
        do { config = try JSONDecoder().decode(WanVAEConfig.self, from: data) } catch {
            throw WanVAEError.unreadableConfig(path: url.path, reason: "\(error)")
        }
        try config.validate()
        return config
    }

    // MARK: - Derived sizes

    /// Decoder width (`decoder_base_dim`, else `base_dim`).
    public var decoderDim: Int { decoderBaseDim ?? baseDim }
    /// Pixels per latent cell along height and width: 2^(stages - 1).
    public var spatialCompression: Int { 1 << (dimMult.count - 1) }
    /// Frames per latent frame after the first: 2^(temporal downsamplings).
    public var temporalCompression: Int { 1 << temperalDownsample.filter { $0 }.count }
    /// The decoder's temporal upsampling flags: `temperal_downsample` reversed.
    public var temperalUpsample: [Bool] { Array(temperalDownsample.reversed()) }

    /// Number of latent frames for `frames` video frames: the first frame is encoded alone,
    /// then every `temporalCompression` frames give one latent frame (4k+1 -> k+1).
    public func latentFrames(forFrames frames: Int) -> Int { 1 + (frames - 1) / temporalCompression }
    /// Number of video frames decoded from `latentFrames` latent frames (k+1 -> 4k+1).
    public func frames(forLatentFrames latentFrames: Int) -> Int {
        temporalCompression * (latentFrames - 1) + 1
    }

    // MARK: - Validation

    /// Rejects configurations this port does not run, with the key and how to fix it.
    public func validate() throws {
        func bad(_ key: String, _ found: String, _ expected: String) -> WanVAEError {
            .unsupportedConfig(key: key, found: found, expected: expected)
        }
        if let name = className, name != "AutoencoderKLWan" {
            throw bad("_class_name", name, "AutoencoderKLWan (this folder holds another kind of VAE)")
        }
        if isResidual {
            throw bad("is_residual", "true", "false (Wan2.2's residual VAE is not ported; use a Wan2.1 VAE)")
        }
        if let p = patchSize, p != 1 {
            throw bad("patch_size", "\(p)", "null (Wan2.2's patchified VAE is not ported; use a Wan2.1 VAE)")
        }
        if !attnScales.isEmpty {
            throw bad(
                "attn_scales", "\(attnScales)",
                "[] (encoder attention at these scales cannot run in diffusers 0.42.1 either)")
        }
        if baseDim < 1 { throw bad("base_dim", "\(baseDim)", "a positive integer") }
        if let d = decoderBaseDim, d < 1 { throw bad("decoder_base_dim", "\(d)", "a positive integer or null") }
        if zDim < 1 { throw bad("z_dim", "\(zDim)", "a positive integer") }
        if dimMult.isEmpty || dimMult.contains(where: { $0 < 1 }) {
            throw bad("dim_mult", "\(dimMult)", "a non-empty list of positive integers")
        }
        if numResBlocks < 1 { throw bad("num_res_blocks", "\(numResBlocks)", "a positive integer") }
        if temperalDownsample.count < dimMult.count - 1 {
            throw bad(
                "temperal_downsample", "\(temperalDownsample.count) entries",
                "at least len(dim_mult) - 1 = \(dimMult.count - 1) entries")
        }
        if temperalDownsample.count > dimMult.count - 1 {
            throw bad(
                "temperal_downsample", "\(temperalDownsample.count) entries",
                "exactly len(dim_mult) - 1 = \(dimMult.count - 1) entries (the decoder reverses this list)")
        }
        if latentsMean.count != zDim {
            throw bad("latents_mean", "\(latentsMean.count) values", "z_dim = \(zDim) values")
        }
        if latentsStd.count != zDim {
            throw bad("latents_std", "\(latentsStd.count) values", "z_dim = \(zDim) values")
        }
        if let s = latentsStd.first(where: { !($0 > 0) || !$0.isFinite }) {
            throw bad("latents_std", "\(s)", "positive finite values")
        }
        if inChannels < 1 { throw bad("in_channels", "\(inChannels)", "a positive integer") }
        if outChannels < 1 { throw bad("out_channels", "\(outChannels)", "a positive integer") }
        if let s = scaleFactorSpatial, s != spatialCompression {
            throw bad("scale_factor_spatial", "\(s)", "\(spatialCompression) = 2^(len(dim_mult) - 1)")
        }
        if let t = scaleFactorTemporal, t != temporalCompression {
            throw bad("scale_factor_temporal", "\(t)", "\(temporalCompression) = 2^(number of true in temperal_downsample)")
        }
    }
}
