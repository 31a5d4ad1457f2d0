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
}
