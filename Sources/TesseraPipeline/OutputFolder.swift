// An output folder written under a temporary name and renamed when complete, so a folder
// that has its final name is always whole: an interrupted run (error, Ctrl-C, kill) leaves at
// most a hidden `.<name>.partial-*` folder beside it, which `discard()` removes.

import Foundation

// MARK: - OutputFolder

/// The folder a run writes its clip, frames and metadata into.
public final class OutputFolder {
    /// The final folder.
    public let destination: URL
    /// Where files go until `commit()`: `<parent>/.<name>.partial-<pid>-<random>`.
    public let temporary: URL
    private let overwrite: Bool
    private var finished = false

    /// Creates the temporary folder. Throws when `destination` exists (unless `overwrite`)
    /// or its parent cannot be created or written.
    public init(destination: URL, overwrite: Bool = false) throws {
        let destination = destination.standardizedFileURL
        self.destination = destination
        self.overwrite = overwrite
        try Self.checkAvailable(destination, overwrite: overwrite)
        let parent = destination.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw PipelineError.outputUnavailable(path: parent.path, reason: "cannot create the folder (\(Self.reason(error)))")
        }
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        temporary = parent.appendingPathComponent(
            ".\(destination.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)
        } catch {
            throw PipelineError.outputUnavailable(path: parent.path, reason: "the folder is not writable (\(Self.reason(error)))")
        }
    }

    deinit {
        if !finished { discard() }
    }

    /// Throws when `destination` exists and `overwrite` is false (an empty folder counts as free).
    public static func checkAvailable(_ destination: URL, overwrite: Bool) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: destination.path, isDirectory: &isDirectory) else { return }
        if overwrite { return }
        if isDirectory.boolValue, (try? FileManager.default.contentsOfDirectory(atPath: destination.path))?.isEmpty == true {
            return
        }
        throw PipelineError.outputUnavailable(
            path: destination.path, reason: "it already exists; choose another -o, remove it, or pass --overwrite")
    }

    /// A path inside the temporary folder (creating intermediate folders).
    public func url(for relativePath: String) throws -> URL {
        let url = temporary.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        return url
    }

    /// Renames the temporary folder to `destination` (replacing it when `overwrite`).
    public func commit() throws {
        precondition(!finished, "OutputFolder committed twice")
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
            let empty = isDirectory.boolValue && (try? fm.contentsOfDirectory(atPath: destination.path))?.isEmpty == true
            guard overwrite || empty else {
                discard()
                throw PipelineError.outputUnavailable(
                    path: destination.path, reason: "it appeared while the clip was generated; the new clip was not kept")
            }
            // Move the old folder aside first, so the destination is never half old, half new.
            let old = destination.deletingLastPathComponent()
                .appendingPathComponent(".\(destination.lastPathComponent).old-\(ProcessInfo.processInfo.processIdentifier)")
            do {
                try fm.moveItem(at: destination, to: old)
                try fm.moveItem(at: temporary, to: destination)
            } catch {
                discard()
                throw PipelineError.outputUnavailable(path: destination.path, reason: Self.reason(error))
            }
            try? fm.removeItem(at: old)
        } else {
            do { try fm.moveItem(at: temporary, to: destination) } catch {
                discard()
                throw PipelineError.outputUnavailable(path: destination.path, reason: Self.reason(error))
            }
        }
        finished = true
    }

    /// Removes the temporary folder and everything in it; `destination` is untouched.
    public func discard() {
        try? FileManager.default.removeItem(at: temporary)
        finished = true
    }

    // MARK: - Default name

    /// `outputs/<yyyyMMdd-HHmmss>-<slug>-<seed>` under `root`.
    public static func defaultURL(root: URL, prompt: String, seed: UInt64, date: Date = Date()) -> URL {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return root.appendingPathComponent("\(formatter.string(from: date))-\(slug(prompt))-\(seed)", isDirectory: true)
    }

    /// Lowercase ASCII letters and digits of the prompt's words, joined by "-", at most 48
    /// characters, cut at a word boundary; "untitled" when nothing is left.
    public static func slug(_ prompt: String, maxLength: Int = 48) -> String {
        let folded = prompt.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        let words = folded.lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
        var slug = ""
        for word in words {
            let next = slug.isEmpty ? String(word) : slug + "-" + word
            if next.count > maxLength {
                if slug.isEmpty { slug = String(word.prefix(maxLength)) }
                break
            }
            slug = next
        }
        return slug.isEmpty ? "untitled" : slug
    }

    static func reason(_ error: Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}
