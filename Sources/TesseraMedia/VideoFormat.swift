// The video formats Tessera writes, and what each means for FFmpeg.

import Foundation

/// A video container and codec pair Tessera can write.
public enum VideoFormat: String, CaseIterable, Codable, Sendable {
    /// H.264 (libx264), yuv420p, in MP4 with `+faststart`. Odd sizes are padded to even.
    case mp4
    /// VP9 (libvpx-vp9), yuv420p, in WebM, constant-quality mode.
    case webm
    /// GIF with one palette computed over the whole clip (median cut) and error diffusion.
    case gif

    /// The x264 preset names (speed against size); VP9 maps them to `cpu-used`.
    public static let presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                                 "slower", "veryslow", "placebo"]

    /// The format a file name implies (`clip.MP4` → `.mp4`), or nil.
    public init?(pathExtension ext: String) {
        self.init(rawValue: ext.lowercased())
    }

    /// The format named by `name` or, when `name` is nil, by `url`'s extension.
    public static func resolve(name: String?, url: URL) throws -> VideoFormat {
        if let name {
            guard let format = VideoFormat(rawValue: name.lowercased()) else { throw MediaError.unknownFormat(name) }
            return format
        }
        guard let format = VideoFormat(pathExtension: url.pathExtension) else {
            throw MediaError.unknownFormat(url.pathExtension.isEmpty ? url.lastPathComponent : "." + url.pathExtension)
        }
        return format
    }

    /// The file extension, without the dot.
    public var fileExtension: String { rawValue }

    /// libavformat's muxer name.
    var container: String { rawValue }

    /// libavcodec's encoder name.
    var encoder: String {
        switch self {
        case .mp4: return "libx264"
        case .webm: return "libvpx-vp9"
        case .gif: return "gif"
        }
    }

    /// The CRF used when none is given (nil: the format has no quality setting).
    public var defaultCRF: Int? {
        switch self {
        case .mp4: return 18
        case .webm: return 24
        case .gif: return nil
        }
    }

    /// The CRF values the encoder accepts (nil: none).
    public var crfRange: ClosedRange<Int>? {
        switch self {
        case .mp4: return 0...51
        case .webm: return 0...63
        case .gif: return nil
        }
    }

    /// Whether the encoder needs even frame sizes (4:2:0 chroma in H.264).
    var needsEvenSize: Bool { self == .mp4 }
}
