// PNG reading and writing through the libpng shim (CPNGShim), with text chunks: Tessera's
// frames carry an A1111-style `parameters` chunk (see GenerationParameters).

import CPNGShim
import Foundation

/// 8-bit RGB PNG files with text chunks. Writes are atomic (see `AtomicFile`).
public enum PNGFile {
    /// Writes `image` to `url` with `text` as tEXt chunks (iTXt, UTF-8, for values that are
    /// not ASCII), in the given order. `compressionLevel` is zlib's 0-9 (6: libpng's default).
    public static func write(
        _ image: RGBImage, to url: URL, text: [(String, String)] = [], overwrite: Bool = true,
        compressionLevel: Int = 6
    ) throws {
        guard image.width > 0, image.height > 0, image.width <= 1 << 15, image.height <= 1 << 15 else {
            throw MediaError.invalidFrameSize(width: image.width, height: image.height)
        }
        for (key, value) in text where !isValidKey(key) || value.utf8.contains(0) {
            throw MediaError.invalidTextChunk(key: key)
        }
        try AtomicFile.write(to: url, overwrite: overwrite) { temporary in
            var err = [CChar](repeating: 0, count: 512)
            let keys = text.map { strdup($0.0) }, values = text.map { strdup($0.1) }
            defer { (keys + values).forEach { free($0) } }
            let keyPointers = keys.map { UnsafePointer($0) }, valuePointers = values.map { UnsafePointer($0) }
            let status = image.pixels.withUnsafeBufferPointer { pixels in
                keyPointers.withUnsafeBufferPointer { k in
                    valuePointers.withUnsafeBufferPointer { v in
                        tp_png_write(temporary.path, pixels.baseAddress, Int32(image.width), Int32(image.height), 3,
                                     k.baseAddress, v.baseAddress, Int32(text.count), Int32(compressionLevel),
                                     &err, err.count)
                    }
                }
            }
            if status != 0 { throw MediaError.pngWrite(path: url.path, message: String(cString: err)) }
        }
    }

    /// Reads any PNG (palette, grey, 16-bit, interlaced, alpha) as 8-bit RGB, alpha dropped,
    /// and its text chunks (tEXt, zTXt, iTXt; the first of a repeated key wins).
    public static func read(_ url: URL) throws -> (image: RGBImage, text: [String: String]) {
        var raw = TPImage()
        var err = [CChar](repeating: 0, count: 512)
        guard tp_png_read(url.path, &raw, &err, err.count) == 0 else {
            throw MediaError.pngRead(path: url.path, message: String(cString: err))
        }
        defer { tp_png_free(&raw) }
        let width = Int(raw.width), height = Int(raw.height), channels = Int(raw.channels)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        if channels == 3 {
            pixels.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw.pixels, count: width * height * 3)) }
        } else {
            for i in 0..<(width * height) {
                pixels[i * 3] = raw.pixels[i * 4]
                pixels[i * 3 + 1] = raw.pixels[i * 4 + 1]
                pixels[i * 3 + 2] = raw.pixels[i * 4 + 2]
            }
        }
        var text: [String: String] = [:]
        for i in 0..<Int(raw.text_count) {
            let key = String(cString: raw.text_keys[i]!), value = String(cString: raw.text_values[i]!)
            if text[key] == nil { text[key] = value }
        }
        return (RGBImage(width: width, height: height, pixels: pixels), text)
    }

    /// PNG keywords: 1-79 printable characters (Tessera keeps to ASCII, since keywords are
    /// Latin-1 on disk), no leading, trailing or double spaces.
    static func isValidKey(_ key: String) -> Bool {
        let scalars = Array(key.unicodeScalars)
        guard (1...79).contains(scalars.count), scalars.first != " ", scalars.last != " " else { return false }
        return scalars.allSatisfy { (32...126).contains($0.value) }
            && !key.contains("  ")
    }
}
