// One clip of a batch: its settings, where it came from in the job file, and where its
// output folder goes.

import Foundation
import TesseraMedia
import TesseraPipeline
import TesseraSampling

// MARK: - BatchItem

/// A clip to render, with the file line it came from.
public struct BatchItem: Sendable, Equatable {
    /// 0-based position among the file's items (after a job's `seeds:` list is expanded).
    public var index: Int
    /// The explicit `id`, if the file gave one.
    public var id: String?
    /// The job file and the 1-based line the item starts on.
    public var path: String
    public var line: Int
    public var request: GenerationRequest
    public var format: VideoFormat
    /// Whether the seed was derived (`SeedDerivation`) rather than written in the file.
    public var seedDerived: Bool
    /// A setting that is out of range (size, frames, steps, sampler, format): the item is
    /// recorded as failed with this message and the rest of the batch runs.
    public var problem: String?

    public init(index: Int, id: String?, path: String, line: Int, request: GenerationRequest, format: VideoFormat = .mp4,
                seedDerived: Bool, problem: String? = nil) {
        self.index = index
        self.id = id
        self.path = path
        self.line = line
        self.request = request
        self.format = format
        self.seedDerived = seedDerived
        self.problem = problem
    }

    /// `<index>-<slug>-s<seed>`: the index zero-padded to 4 digits, the slug of the id (when
    /// given) or of the prompt.
    public var folderName: String {
        let index = String(self.index)
        let padded = String(repeating: "0", count: max(0, 4 - index.count)) + index
        return "\(padded)-\(OutputFolder.slug(id ?? request.prompt, maxLength: 40))-s\(request.seed)"
    }

    /// "file:line" for messages.
    public var location: String { "\(path):\(line)" }

    /// Items that can share one transformer batch agree on this.
    public var shapeKey: String {
        let r = request
        return "\(r.width)x\(r.height)x\(r.frames) steps \(r.steps) sampler \(r.sampler?.rawValue ?? "-") "
            + "shift \(r.shift.map { String($0) } ?? "-") cfg \(r.usesGuidance)"
    }
}
