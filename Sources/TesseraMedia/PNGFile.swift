// PNG reading and writing through the libpng shim (CPNGShim), with text chunks: Tessera's
// frames carry an A1111-style `parameters` chunk (see GenerationParameters).

import CPNGShim
import Foundation

/// 8-bit RGB and RGBA PNG files with text chunks. Writes are atomic (see `AtomicFile`).
public enum PNGFile {
    /// Writes `image` to `url` with `text` as tEXt chunks (iTXt, UTF-8, for values that are
    /// not ASCII), in the given order. `compressionLevel` is zlib's 0-9 (6: libpng's default).
    public static func write(
        _ image: RGBImage, to url: URL, text: [(String, String)] = [], overwrite: Bool = true,
        compressionLevel: Int = 6
    ) throws {
        try write(samples: image.pixels, width: image.width, height: image.height, channels: 3, to: url, text: text,
                  overwrite: overwrite, compressionLevel: compressionLevel)
    }

    /// Writes an RGBA picture (`width * height * 4` bytes, RGBA interleaved, row-major), as
    /// `write(_:to:...)` does.
    public static func write(
        rgba: [UInt8], width: Int, height: Int, to url: URL, text: [(String, String)] = [], overwrite: Bool = true,
        compressionLevel: Int = 6
    ) throws {
        precondition(rgba.count == width * height * 4, "PNGFile.write(rgba:): \(rgba.count) bytes for \(width)x\(height)")
        try write(samples: rgba, width: width, height: height, channels: 4, to: url, text: text, overwrite: overwrite,
                  compressionLevel: compressionLevel)
    }

    /// Reads any PNG (palette, grey, 16-bit, interlaced, alpha) as 8-bit RGB, alpha dropped,
    /// and its text chunks (tEXt, zTXt, iTXt; the first of a repeated key wins).
    public static func read(_ url: URL) throws -> (image: RGBImage, text: [String: String]) {
        let (width, height, channels, samples, text) = try readSamples(url)
        if channels == 3 { return (RGBImage(width: width, height: height, pixels: samples), text) }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[i * 3] = samples[i * 4]
            pixels[i * 3 + 1] = samples[i * 4 + 1]
            pixels[i * 3 + 2] = samples[i * 4 + 2]
        }
        return (RGBImage(width: width, height: height, pixels: pixels), text)
    }

    /// Reads any PNG as 8-bit RGBA (alpha 255 where the file has none) and its text chunks.
    public static func readRGBA(_ url: URL) throws -> (width: Int, height: Int, rgba: [UInt8], text: [String: String]) {
        let (width, height, channels, samples, text) = try readSamples(url)
        if channels == 4 { return (width, height, samples, text) }
        var rgba = [UInt8](repeating: 255, count: width * height * 4)
        for i in 0..<(width * height) {
            rgba[i * 4] = samples[i * 3]
            rgba[i * 4 + 1] = samples[i * 3 + 1]
            rgba[i * 4 + 2] = samples[i * 3 + 2]
        }
        return (width, height, rgba, text)
    }

    // MARK: - Shim calls

    private static func write(
        samples: [UInt8], width: Int, height: Int, channels: Int, to url: URL, text: [(String, String)],
        overwrite: Bool, compressionLevel: Int
    ) throws {
        guard width > 0, height > 0, width <= 1 << 15, height <= 1 << 15 else {
            throw MediaError.invalidFrameSize(width: width, height: height)
        }
        for (key, value) in text where !isValidKey(key) || value.utf8.contains(0) {
            throw MediaError.invalidTextChunk(key: key)
        }
        let keys = CStringArray(text.map(\.0)), values = CStringArray(text.map(\.1))
        try AtomicFile.write(to: url, overwrite: overwrite) { temporary in
            var err = [CChar](repeating: 0, count: 512)
            let status = withExtendedLifetime((keys, values)) {
                samples.withUnsafeBufferPointer { pixels in
                    tp_png_write(temporary.path, pixels.baseAddress, Int32(width), Int32(height), Int32(channels),
                                 UnsafePointer(keys.base), UnsafePointer(values.base), Int32(text.count),
                                 Int32(compressionLevel), &err, err.count)
                }
            }
            if status != 0 { throw MediaError.pngWrite(path: url.path, message: String(cString: err)) }
        }
    }

    private static func readSamples(
        _ url: URL
    ) throws -> (width: Int, height: Int, channels: Int, samples: [UInt8], text: [String: String]) {
        var raw = TPImage()
        var err = [CChar](repeating: 0, count: 512)
        guard tp_png_read(url.path, &raw, &err, err.count) == 0 else {
            throw MediaError.pngRead(path: url.path, message: String(cString: err))
        }
        defer { tp_png_free(&raw) }
        let width = Int(raw.width), height = Int(raw.height), channels = Int(raw.channels)
        let samples = [UInt8](UnsafeBufferPointer(start: raw.pixels, count: width * height * channels))
        var text: [String: String] = [:]
        for i in 0..<Int(raw.text_count) {
            let key = String(cString: raw.text_keys[i]!), value = String(cString: raw.text_values[i]!)
            if text[key] == nil { text[key] = value }
        }
        return (width, height, channels, samples, text)
    }

    /// PNG keywords: 1-79 printable characters (Tessera keeps to ASCII, since keywords are
    /// Latin-1 on disk), no leading, trailing or double spaces.
    static func isValidKey(_ key: String) -> Bool {
        let scalars = Array(key.unicodeScalars)
        guard (1...79).contains(scalars.count), scalars.first != " ", scalars.last != " " else { return false }
        return scalars.allSatisfy { (32...126).contains($0.value) } && !key.contains("  ")
    }
}
