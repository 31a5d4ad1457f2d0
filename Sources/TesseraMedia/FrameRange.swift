// `A:B` frame ranges as users type them (`--range 0:8`, `8:`, `:8`).

/// Frames `lowerBound` up to, not including, `upperBound` (nil: to the end), counted from 0.
public struct FrameRange: Equatable, Sendable, CustomStringConvertible {
    public var lowerBound: Int
    public var upperBound: Int?

    public init(lowerBound: Int, upperBound: Int?) {
        self.lowerBound = lowerBound
        self.upperBound = upperBound
    }

    /// Parses `A:B`, `A:` or `:B` with 0 ≤ A < B; nil when malformed.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let lower = parts[0].isEmpty ? 0 : Int(parts[0])
        let upper = parts[1].isEmpty ? nil : Int(parts[1])
        guard let lower, lower >= 0, parts[1].isEmpty || upper != nil else { return nil }
        if let upper, upper <= lower { return nil }
        self.init(lowerBound: lower, upperBound: upper)
    }

    public var description: String { "\(lowerBound):\(upperBound.map(String.init) ?? "")" }

    /// Whether frame `index` is in the range.
    public func contains(_ index: Int) -> Bool {
        index >= lowerBound && (upperBound.map { index < $0 } ?? true)
    }

    /// The range in a clip of `frameCount` frames; throws `MediaError.rangeOutsideClip` when
    /// it does not lie inside.
    public func resolved(frameCount: Int) throws -> Range<Int> {
        let upper = upperBound ?? frameCount
        guard lowerBound < upper, upper <= frameCount else {
            throw MediaError.rangeOutsideClip(range: description, frameCount: frameCount)
        }
        return lowerBound..<upper
    }
}
