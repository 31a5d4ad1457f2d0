// GIF has no tags, only Comment Extension blocks (GIF89a §24). FFmpeg's GIF muxer writes
// none, so Tessera adds them to the finished file; FFmpeg's demuxer reports the last one as
// the `comment` tag.

import Foundation

enum GIFComments {
    /// `gif` with one Comment Extension per entry of `comments` inserted after the header,
    /// logical screen descriptor and global colour table (before any image). Nil when `gif`
    /// is not a GIF89a stream.
    static func inserting(_ comments: [String], into gif: Data) -> Data? {
        let bytes = [UInt8](gif)
        guard bytes.count >= 13, bytes.starts(with: Array("GIF89a".utf8)) else { return nil }
        let packed = bytes[10]
        let tableBytes = packed & 0x80 != 0 ? 3 << (Int(packed & 7) + 1) : 0
        let position = 13 + tableBytes
        guard position <= bytes.count else { return nil }
        var blocks: [UInt8] = []
        for comment in comments where !comment.isEmpty {
            let text = Array(comment.utf8)
            blocks += [0x21, 0xFE]
            for start in stride(from: 0, to: text.count, by: 255) {
                let chunk = text[start..<min(start + 255, text.count)]
                blocks.append(UInt8(chunk.count))
                blocks += chunk
            }
            blocks.append(0)
        }
        return Data(bytes[..<position] + blocks + bytes[position...])
    }
}
