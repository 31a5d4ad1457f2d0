// A video's frames written out as a numbered PNG folder, all or nothing.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes a clip into `00001.png`, `00002.png`, ... The frames are written into a hidden
/// folder beside the destination and moved in only when every frame decoded and the range
/// checked out, so a failure leaves nothing behind: the hidden folder is renamed to the
/// destination when it does not exist yet, or its files are renamed into it one by one.
public enum FrameExport {
    /// Writes the frames of `video` in `range` to `folder`. A `folder` that holds files is
    /// refused (`MediaError.outputExists`) unless `overwrite`, which replaces frames of the same
    /// name and leaves other files alone. The clip's generation parameters (`comment` tag)
    /// become each PNG's `parameters` chunk. Returns how many frames were written, which, and
    /// the clip's frame count.
    @discardableResult
    public static func export(video: URL, to folder: URL, range: FrameRange = FrameRange(lowerBound: 0, upperBound: nil),
                              overwrite: Bool = false) throws -> (count: Int, range: Range<Int>, frameCount: Int) {
        let fm = FileManager.default
        let folder = folder.standardizedFileURL
        var isDirectory: ObjCBool = false
        let exists = fm.fileExists(atPath: folder.path, isDirectory: &isDirectory)
        if exists && !isDirectory.boolValue {
            throw MediaError.notWritable(path: folder.path, reason: "a file of that name exists (expected a folder)")
        }
        let existing = exists ? ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") } : []
        if !existing.isEmpty && !overwrite { throw MediaError.outputExists(path: folder.path) }
        guard fm.fileExists(atPath: video.path) else { throw MediaError.notFound(path: video.path) }

        var template = Array(folder.deletingLastPathComponent()
            .appendingPathComponent(".\(folder.lastPathComponent).tmp-XXXXXX").path.utf8CString)
        guard let made = mkdtemp(&template) else {
            throw MediaError.notWritable(path: folder.path, reason: String(cString: strerror(errno)))
        }
        let staging = URL(fileURLWithPath: String(cString: made))
        // mkdtemp makes the folder private (0700); give it the mode mkdir would have.
        let mask = umask(0)
        umask(mask)
        chmod(staging.path, 0o777 & ~mask)
        let cleanupToken = InterruptCleanup.register(staging.path)
        defer { InterruptCleanup.unregister(cleanupToken) }
        do {
            // The clip's generation parameters, if any, travel into every frame.
            var text: [(String, String)] = []
            if let parameters = try VideoReader.probe(video).tags["comment"],
               GenerationParameters(a1111Text: parameters) != nil {
                text = [("parameters", parameters), ("ai_generated", "true")]
            }
            var count = 0
            let info = try VideoReader.forEachFrame(video, keep: range.contains) { index, frame in
                try PNGFile.write(frame, to: staging.appendingPathComponent(FrameSequence.fileName(forIndex: index)),
                                  text: text)
                count += 1
            }
            let resolved = try range.resolved(frameCount: info.frameCount)
            if !exists {
                guard rename(staging.path, folder.path) == 0 else {
                    throw MediaError.notWritable(path: folder.path, reason: String(cString: strerror(errno)))
                }
            } else {
                for name in try fm.contentsOfDirectory(atPath: staging.path) {
                    guard rename(staging.appendingPathComponent(name).path, folder.appendingPathComponent(name).path) == 0 else {
                        throw MediaError.notWritable(path: folder.appendingPathComponent(name).path,
                                                     reason: String(cString: strerror(errno)))
                    }
                }
                try? fm.removeItem(at: staging)
            }
            return (count, resolved, info.frameCount)
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
    }
}
