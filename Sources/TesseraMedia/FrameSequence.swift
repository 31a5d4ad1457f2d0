// Folders of numbered PNG frames (00001.png, 00002.png, ...): listing in order, loading with
// size checks, writing.

import Foundation

/// A folder of PNG frames, ordered by the number in each file name.
public enum FrameSequence {
    /// The `.png` files in `directory`, ordered by the last run of digits in each name
    /// (`frame9.png` before `frame10.png`); names without digits come after, by name.
    /// Throws `MediaError.noFrames` when there are none.
    public static func list(_ directory: URL) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw MediaError.notFound(path: directory.path)
        }
        guard isDirectory.boolValue else { throw MediaError.notAFolder(path: directory.path) }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            throw MediaError.notFound(path: directory.path)
        }
        let pngs = names.filter { $0.lowercased().hasSuffix(".png") && !$0.hasPrefix(".") }
        guard !pngs.isEmpty else { throw MediaError.noFrames(directory: directory.path) }
        let keyed = pngs.map { (name: $0, number: frameNumber(in: $0)) }
        let sorted = keyed.sorted { a, b in
            switch (a.number, b.number) {
            case let (x?, y?): return x != y ? x < y : a.name < b.name
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.name < b.name
            }
        }
        return sorted.map { directory.appendingPathComponent($0.name) }
    }

    /// The last run of decimal digits in `name`'s stem, if any.
    public static func frameNumber(in name: String) -> Int? {
        let stem = name.split(separator: ".").first.map(String.init) ?? name
        var digits = "", current = ""
        for c in stem {
            if c.isASCII && c.isNumber { current.append(c) } else if !current.isEmpty { digits = current; current = "" }
        }
        if !current.isEmpty { digits = current }
        return digits.isEmpty ? nil : Int(digits.suffix(18))
    }

    /// Loads every frame of `directory` in order (see `list`); all must have the first one's
    /// size. Also returns the first frame's text chunks (e.g. `parameters`).
    public static func load(_ directory: URL) throws -> (frames: [RGBImage], text: [String: String]) {
        var frames: [RGBImage] = []
        var text: [String: String] = [:]
        try forEachFrame(directory) { index, url, image, chunks in
            if index == 0 { text = chunks }
            frames.append(image)
        }
        return (frames, text)
    }

    /// Reads the frames one at a time (so a long sequence never needs to fit in memory),
    /// checking that all have the first one's size. Returns how many there were.
    @discardableResult
    public static func forEachFrame(
        _ directory: URL, _ body: (Int, URL, RGBImage, [String: String]) throws -> Void
    ) throws -> Int {
        let urls = try list(directory)
        var size: (Int, Int)?
        for (index, url) in urls.enumerated() {
            let (image, text) = try PNGFile.read(url)
            if let size, size != (image.width, image.height) {
                throw MediaError.frameSizeMismatch(path: url.path, expected: "\(size.0)x\(size.1)",
                                                   found: "\(image.width)x\(image.height)")
            }
            size = (image.width, image.height)
            try body(index, url, image, text)
        }
        return urls.count
    }

    /// The file name of frame `index` (from 0) in a sequence Tessera writes: `00001.png` for
    /// frame 0, as `generate`'s `frames/` folder numbers them.
    public static func fileName(forIndex index: Int) -> String {
        String(format: "%05d.png", index + 1)
    }
}
