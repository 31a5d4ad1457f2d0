// What a video file is: container, codec, size, rate, length and tags.

/// A clip's properties as its container and decoder report them.
public struct VideoInfo: Codable, Equatable, Sendable {
    /// libavformat's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "gif".
    public var container: String
    /// The video codec, e.g. "h264", "vp9", "gif".
    public var codec: String
    /// The stream's pixel format, e.g. "yuv420p".
    public var pixelFormat: String
    public var width: Int
    public var height: Int
    /// Frames per second as a fraction (the stream's average frame rate).
    public var frameRateNumerator: Int
    public var frameRateDenominator: Int
    /// Frames the decoder produced (every frame is decoded to count them).
    public var frameCount: Int
    /// Seconds, as the container reports it (nil when it does not).
    public var duration: Double?
    /// Container and stream tags, keys lower-cased (container tags win on a clash).
    public var tags: [String: String]

    /// Frames per second (0 when the file does not say).
    public var fps: Double {
        frameRateDenominator > 0 ? Double(frameRateNumerator) / Double(frameRateDenominator) : 0
    }

    /// The generation parameters in the `comment` tag (A1111 text), if any.
    public var generationParameters: GenerationParameters? {
        tags["comment"].flatMap(GenerationParameters.init(a1111Text:))
    }

    enum CodingKeys: String, CodingKey {
        case container, codec, width, height, tags, fps, duration
        case pixelFormat = "pixel_format"
        case frameRateNumerator = "frame_rate_num"
        case frameRateDenominator = "frame_rate_den"
        case frameCount = "frame_count"
    }

    public init(container: String, codec: String, pixelFormat: String, width: Int, height: Int,
                frameRateNumerator: Int, frameRateDenominator: Int, frameCount: Int, duration: Double?,
                tags: [String: String]) {
        self.container = container
        self.codec = codec
        self.pixelFormat = pixelFormat
        self.width = width
        self.height = height
        self.frameRateNumerator = frameRateNumerator
        self.frameRateDenominator = frameRateDenominator
        self.frameCount = frameCount
        self.duration = duration
        self.tags = tags
    }

    // MARK: - Codable (snake_case keys, plus `fps` as a number for readers of the JSON)

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(container: try c.decode(String.self, forKey: .container), codec: try c.decode(String.self, forKey: .codec),
                  pixelFormat: try c.decode(String.self, forKey: .pixelFormat), width: try c.decode(Int.self, forKey: .width),
                  height: try c.decode(Int.self, forKey: .height),
                  frameRateNumerator: try c.decode(Int.self, forKey: .frameRateNumerator),
                  frameRateDenominator: try c.decode(Int.self, forKey: .frameRateDenominator),
                  frameCount: try c.decode(Int.self, forKey: .frameCount),
                  duration: try c.decodeIfPresent(Double.self, forKey: .duration),
                  tags: try c.decode([String: String].self, forKey: .tags))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(container, forKey: .container)
        try c.encode(codec, forKey: .codec)
        try c.encode(pixelFormat, forKey: .pixelFormat)
        try c.encode(width, forKey: .width)
        try c.encode(height, forKey: .height)
        try c.encode(frameRateNumerator, forKey: .frameRateNumerator)
        try c.encode(frameRateDenominator, forKey: .frameRateDenominator)
        try c.encode(fps, forKey: .fps)
        try c.encode(frameCount, forKey: .frameCount)
        try c.encodeIfPresent(duration, forKey: .duration)
        try c.encode(tags, forKey: .tags)
    }
}
