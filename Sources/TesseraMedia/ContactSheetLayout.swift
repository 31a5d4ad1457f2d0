// Which frames a contact sheet shows and how they are labelled: every Nth frame, a frame
// range, and labels with the frame number, its time, or both (`inspect --contact-sheet`).

import Foundation

/// The frames and labels of a contact sheet.
public struct ContactSheetLayout: Equatable, Sendable {
    /// What is drawn in each cell's corner.
    public enum Label: String, CaseIterable, Sendable {
        /// The frame number, from 0.
        case number
        /// The frame's start time in seconds, `index / fps`, to the hundredth.
        case time
        /// Both, as `12 0.75`.
        case both
    }

    /// Keep one frame in `every`, counting from the start of `range`.
    public var every: Int
    /// Frames `A:B` (nil: all).
    public var range: FrameRange?
    public var label: Label

    public init(every: Int = 1, range: FrameRange? = nil, label: Label = .number) {
        precondition(every >= 1, "ContactSheetLayout: every must be at least 1")
        self.every = every
        self.range = range
        self.label = label
    }

    /// The frame indices shown, for a clip of `frameCount` frames; throws
    /// `MediaError.rangeOutsideClip` when the range does not lie inside the clip.
    public func indices(frameCount: Int) throws -> [Int] {
        let bounds = try (range ?? FrameRange(lowerBound: 0, upperBound: nil)).resolved(frameCount: frameCount)
        return Array(stride(from: bounds.lowerBound, to: bounds.upperBound, by: every))
    }

    /// The label of frame `index` at `fps` frames per second (time labels need fps > 0; with
    /// an unknown rate they fall back to the number).
    public func label(for index: Int, fps: Double?) -> String {
        guard let fps, fps > 0, label != .number else { return String(index) }
        let time = String(format: "%.2f", Double(index) / fps)
        return label == .time ? time : "\(index) \(time)"
    }

    /// The contact sheet of `frames` (every frame of the clip, already at cell size or not):
    /// the selected ones, labelled, `columns` wide, cells `cellWidth` wide (nil: frame width).
    public func render(_ frames: [RGBImage], fps: Double?, columns: Int, cellWidth: Int? = nil) throws -> RGBImage {
        let shown = try indices(frameCount: frames.count)
        return ContactSheet.render(shown.map { frames[$0] }, columns: columns, cellWidth: cellWidth,
                                   labels: shown.map { label(for: $0, fps: fps) })
    }
}
