// Whether an item's output folder is complete, judged by reading it: metadata.json parses
// and matches the item, every file it lists exists, and the clip decodes with the expected
// frame count and size. Existence alone proves nothing (a disk can fill, a file can be cut).

import Foundation
import TesseraMedia
import TesseraPipeline

// MARK: - OutputCheck

public enum OutputCheck {
    /// nil when `folder` holds `item`'s complete output, else why not.
    public static func problem(item: BatchItem, folder: URL) -> String? {
        let fm = FileManager.default
        guard fm.fileExists(atPath: folder.path) else { return "missing" }
        let metadataURL = folder.appendingPathComponent("metadata.json")
        guard let data = try? Data(contentsOf: metadataURL) else { return "no metadata.json" }
        guard let m = try? JSONDecoder().decode(ClipMetadata.self, from: data) else { return "metadata.json does not parse" }
        let r = item.request
        var mismatches: [String] = []
        func check<T: Equatable>(_ name: String, _ found: T, _ expected: T) {
            if found != expected { mismatches.append("\(name) \(found) != \(expected)") }
        }
        check("prompt", m.prompt, r.prompt)
        check("negative", m.negativePrompt, r.negativePrompt)
        check("seed", m.seed, r.seed)
        check("steps", m.steps, r.steps)
        check("guidance", m.guidance, r.guidance)
        check("width", m.width, r.width)
        check("height", m.height, r.height)
        check("frames", m.frames, r.frames)
        check("fps", m.fps, r.fps)
        check("format", m.format, item.format.rawValue)
        check("noise", m.noise, "seed")
        if let sampler = r.sampler { check("sampler", m.sampler, sampler.rawValue) }
        if let shift = r.shift { check("shift", m.shift, shift) }
        guard mismatches.isEmpty else { return "metadata.json differs: " + mismatches.joined(separator: ", ") }
        for file in m.files where !fm.fileExists(atPath: folder.appendingPathComponent(file).path) {
            return "\(file) is missing"
        }
        let clipName = "clip.\(item.format.fileExtension)"
        guard m.files.contains(clipName) else { return "metadata.json lists no \(clipName)" }
        do {
            let info = try VideoReader.info(folder.appendingPathComponent(clipName))
            guard info.frameCount == r.frames, info.width == r.width, info.height == r.height else {
                return "\(clipName) has \(info.frameCount) frames of \(info.width)x\(info.height), expected \(r.frames) of \(r.width)x\(r.height)"
            }
        } catch {
            return "\(clipName) does not decode (\(error))"
        }
        return nil
    }
}
