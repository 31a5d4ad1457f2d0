// Decodes any video FFmpeg can read into RGB frames, through the FFmpeg shim.

import CFFmpegShim
import Foundation

/// Reads clips into `RGBImage` frames (used by `frames`, `inspect` and video conditioning).
public enum VideoReader {
    /// Decodes every frame of `url`, keeping those in `range` (frame indices from 0; nil:
    /// all). The returned `info.frameCount` counts every frame of the clip.
    /// Throws `MediaError.rangeOutsideClip` when `range` does not lie inside the clip.
    public static func read(_ url: URL, range: Range<Int>? = nil) throws -> (info: VideoInfo, frames: [RGBImage]) {
        var frames: [RGBImage] = []
        let info = try forEachFrame(url, keep: { index in range?.contains(index) ?? true }) { _, frame in
            frames.append(frame)
        }
        if let range, range.isEmpty || range.lowerBound < 0 || range.upperBound > info.frameCount {
            throw MediaError.rangeOutsideClip(range: "\(range.lowerBound):\(range.upperBound)", frameCount: info.frameCount)
        }
        return (info, frames)
    }

    /// The clip's properties (decodes the whole clip to count frames exactly, without
    /// converting them to RGB).
    public static func info(_ url: URL) throws -> VideoInfo {
        try forEachFrame(url, keep: { _ in false }) { _, _ in }
    }

    /// The clip's properties from its headers alone, without decoding: fast, but
    /// `frameCount` is what the container says (0 when it does not, as in WebM).
    public static func probe(_ url: URL) throws -> VideoInfo {
        let (reader, info) = try open(url)
        tv_reader_free(reader)
        return info
    }

    /// Decodes `url` frame by frame, handing `body` the frames `keep` selects (by index), so
    /// a long clip never needs to fit in memory. Returns the clip's properties.
    @discardableResult
    public static func forEachFrame(
        _ url: URL, keep: (Int) -> Bool = { _ in true }, _ body: (Int, RGBImage) throws -> Void
    ) throws -> VideoInfo {
        var (reader, info) = try open(url)
        defer { tv_reader_free(reader) }
        var err = [CChar](repeating: 0, count: 512)
        var buffer = [UInt8](repeating: 0, count: info.width * info.height * 3)
        var index = 0
        while true {
            let wanted = keep(index)
            let status = wanted
                ? buffer.withUnsafeMutableBufferPointer { tv_reader_next(reader, $0.baseAddress, &err, err.count) }
                : tv_reader_next(reader, nil, &err, err.count)
            if status == 0 { break }
            if status < 0 {
                throw MediaError.videoRead(path: url.path, message: "frame \(index): " + String(cString: err))
            }
            if wanted { try body(index, RGBImage(width: info.width, height: info.height, pixels: buffer)) }
            index += 1
        }
        if index == 0 { throw MediaError.videoRead(path: url.path, message: "the video stream has no frames") }
        info.frameCount = index
        return info
    }

    /// Opens the file and reads its headers; the caller frees the reader.
    private static func open(_ url: URL) throws -> (OpaquePointer, VideoInfo) {
        var raw = TVReaderInfo()
        var err = [CChar](repeating: 0, count: 512)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw MediaError.notFound(path: url.path)
        }
        if isDirectory.boolValue {
            throw MediaError.videoRead(path: url.path, message: "is a folder, not a video file")
        }
        guard let reader = tv_reader_open(url.path, &raw, &err, err.count) else {
            throw MediaError.videoRead(path: url.path, message: String(cString: err))
        }
        var tags: [String: String] = [:]
        for i in 0..<tv_reader_tag_count(reader) {
            // Matroska upper-cases tag names (COMMENT); keys are lower-cased so all formats agree.
            let key = String(cString: tv_reader_tag_key(reader, i)).lowercased()
            if tags[key] == nil { tags[key] = String(cString: tv_reader_tag_value(reader, i)) }
        }
        func string<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        }
        let info = VideoInfo(
            container: string(raw.container), codec: string(raw.codec), pixelFormat: string(raw.pixel_format),
            width: Int(raw.width), height: Int(raw.height),
            frameRateNumerator: Int(raw.fps_num), frameRateDenominator: Int(raw.fps_den),
            frameCount: Int(raw.frame_count), duration: raw.duration >= 0 ? raw.duration : nil, tags: tags)
        return (reader, info)
    }
}
