// Output files appear complete or not at all: written under a hidden temporary name in the
// destination's folder, renamed over the destination when finished, removed on failure.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A temporary file next to `destination` (`.<name>.tmp-XXXXXX<.ext>`, keeping the real
/// extension so tools that look at it still work) that becomes `destination` on `commit`.
/// Dropped without `commit`, it removes the temporary file.
public final class AtomicFile {
    /// Where the finished file goes.
    public let destination: URL
    /// Where to write meanwhile (same folder, so the final rename is atomic).
    public let temporaryURL: URL
    private var settled = false
    private var cleanupToken = 0

    /// Creates the (empty) temporary file. Throws `MediaError.notWritable` when the folder
    /// does not exist or cannot be written.
    public init(destination: URL) throws {
        self.destination = destination.standardizedFileURL
        let folder = self.destination.deletingLastPathComponent()
        let name = self.destination.lastPathComponent
        let ext = self.destination.pathExtension
        let stem = ext.isEmpty ? name : String(name.dropLast(ext.count + 1))
        let suffix = ext.isEmpty ? "" : "." + ext
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var lastError: Int32 = 0
        for _ in 0..<32 {
            let random = String((0..<6).map { _ in alphabet.randomElement()! })
            let candidate = folder.appendingPathComponent(".\(stem).tmp-\(random)\(suffix)")
            let fd = open(candidate.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 {
                close(fd)
                temporaryURL = candidate
                cleanupToken = InterruptCleanup.register(candidate.path)
                return
            }
            lastError = errno
            if lastError != EEXIST { break }
        }
        throw MediaError.notWritable(path: self.destination.path, reason: String(cString: strerror(lastError)))
    }

    deinit {
        if !settled { unlink(temporaryURL.path) }
        InterruptCleanup.unregister(cleanupToken)
    }

    /// Moves the temporary file to `destination`. With `overwrite` false an existing
    /// destination is left alone and `MediaError.outputExists` thrown (checked atomically
    /// with a hard link where the file system has them).
    public func commit(overwrite: Bool = true) throws {
        precondition(!settled, "AtomicFile committed or discarded twice")
        if overwrite {
            guard rename(temporaryURL.path, destination.path) == 0 else {
                let reason = String(cString: strerror(errno))
                discard()
                throw MediaError.notWritable(path: destination.path, reason: reason)
            }
        } else if link(temporaryURL.path, destination.path) == 0 {
            unlink(temporaryURL.path)
        } else {
            let code = errno
            if code == EEXIST {
                discard()
                throw MediaError.outputExists(path: destination.path)
            }
            // No hard links here (some network or FUSE file systems): check, then rename.
            if FileManager.default.fileExists(atPath: destination.path) {
                discard()
                throw MediaError.outputExists(path: destination.path)
            }
            guard rename(temporaryURL.path, destination.path) == 0 else {
                let reason = String(cString: strerror(errno))
                discard()
                throw MediaError.notWritable(path: destination.path, reason: reason)
            }
        }
        settled = true
        InterruptCleanup.unregister(cleanupToken)
    }

    /// Removes the temporary file; `destination` is untouched.
    public func discard() {
        guard !settled else { return }
        unlink(temporaryURL.path)
        settled = true
        InterruptCleanup.unregister(cleanupToken)
    }

    /// Runs `body` with the temporary URL, then commits; removes the temporary file if
    /// `body` or the commit throws.
    public static func write(to destination: URL, overwrite: Bool = true, _ body: (URL) throws -> Void) throws {
        let file = try AtomicFile(destination: destination)
        do {
            try body(file.temporaryURL)
        } catch {
            file.discard()
            throw error
        }
        try file.commit(overwrite: overwrite)
    }

    /// Writes `data` atomically to `destination`.
    public static func write(_ data: Data, to destination: URL, overwrite: Bool = true) throws {
        try write(to: destination, overwrite: overwrite) { url in
            do {
                try data.write(to: url)
            } catch {
                throw MediaError.notWritable(path: destination.path, reason: error.localizedDescription)
            }
        }
    }
}
