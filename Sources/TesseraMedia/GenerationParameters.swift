// The parameters that made a clip, as they travel with it: `metadata.json` (Codable), the
// PNG `parameters` text chunk and the video `comment` tag (A1111's "parameters" text).

import Foundation

/// How a clip was generated. Encoded as JSON with snake_case keys, and as the text
/// AUTOMATIC1111's web UI writes into PNGs (`a1111Text`), which image tools already read:
///
///     a red ball bouncing on a blue floor
///     Negative prompt: blurry
///     Steps: 30, Sampler: unipc, CFG scale: 5.0, Seed: 42, Size: 128x128, Model hash: 1a2b3c4d5e, Model: tessera-shapes, Frames: 33, FPS: 16, Shift: 3.0
public struct GenerationParameters: Codable, Equatable, Sendable {
    public var prompt: String
    public var negativePrompt: String
    public var steps: Int
    public var sampler: String
    public var guidance: Double
    public var shift: Double
    public var seed: UInt64
    public var width: Int
    public var height: Int
    public var frames: Int
    public var fps: Int
    public var modelName: String
    /// The model's weights hash (A1111 shows the first 10 hex digits of a sha256).
    public var modelHash: String

    enum CodingKeys: String, CodingKey {
        case prompt
        case negativePrompt = "negative_prompt"
        case steps, sampler, guidance, shift, seed, width, height, frames, fps
        case modelName = "model_name"
        case modelHash = "model_hash"
    }

    public init(prompt: String, negativePrompt: String = "", steps: Int, sampler: String, guidance: Double,
                shift: Double, seed: UInt64, width: Int, height: Int, frames: Int, fps: Int,
                modelName: String, modelHash: String) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.steps = steps
        self.sampler = sampler
        self.guidance = guidance
        self.shift = shift
        self.seed = seed
        self.width = width
        self.height = height
        self.frames = frames
        self.fps = fps
        self.modelName = modelName
        self.modelHash = modelHash
    }

    // MARK: - A1111 text

    /// The A1111 `parameters` text: the prompt, a `Negative prompt:` line when there is one,
    /// then `Key: value` pairs separated by ", " (values with `,`, `:` or `"` are JSON-quoted,
    /// as A1111 does).
    public var a1111Text: String {
        var pairs: [(String, String)] = [
            ("Steps", "\(steps)"), ("Sampler", sampler), ("CFG scale", "\(guidance)"), ("Seed", "\(seed)"),
            ("Size", "\(width)x\(height)"),
        ]
        if !modelHash.isEmpty { pairs.append(("Model hash", String(modelHash.prefix(10)))) }
        pairs += [("Model", modelName), ("Frames", "\(frames)"), ("FPS", "\(fps)"), ("Shift", "\(shift)")]
        var text = prompt
        if !negativePrompt.isEmpty { text += "\nNegative prompt: " + negativePrompt }
        text += "\n" + pairs.map { "\($0.0): \(Self.quoted($0.1))" }.joined(separator: ", ")
        return text
    }

    /// Parses `a1111Text` back (nil when the last line lacks Steps, Sampler, CFG scale, Seed or
    /// Size). The model hash comes back as written, i.e. at most 10 characters.
    public init?(a1111Text text: String) {
        var lines = text.components(separatedBy: "\n")
        guard let last = lines.popLast() else { return nil }
        let fields = Self.parsePairs(last)
        guard let steps = fields["Steps"].flatMap(Int.init), let sampler = fields["Sampler"],
              let guidance = fields["CFG scale"].flatMap(Double.init), let seed = fields["Seed"].flatMap(UInt64.init),
              let size = fields["Size"]?.split(separator: "x"), size.count == 2,
              let width = Int(size[0]), let height = Int(size[1])
        else { return nil }
        var promptLines: [String] = [], negativeLines: [String] = []
        var inNegative = false
        for line in lines {
            if !inNegative, line.hasPrefix("Negative prompt: ") {
                inNegative = true
                negativeLines.append(String(line.dropFirst("Negative prompt: ".count)))
            } else if inNegative {
                negativeLines.append(line)
            } else {
                promptLines.append(line)
            }
        }
        self.init(prompt: promptLines.joined(separator: "\n"), negativePrompt: negativeLines.joined(separator: "\n"),
                  steps: steps, sampler: sampler, guidance: guidance,
                  shift: fields["Shift"].flatMap(Double.init) ?? 0, seed: seed, width: width, height: height,
                  frames: fields["Frames"].flatMap(Int.init) ?? 1, fps: fields["FPS"].flatMap(Int.init) ?? 0,
                  modelName: fields["Model"] ?? "", modelHash: fields["Model hash"] ?? "")
    }

    // MARK: - Helpers

    private static func quoted(_ value: String) -> String {
        guard value.contains(",") || value.contains(":") || value.contains("\"") || value.contains("\n") else {
            return value
        }
        let data = try! JSONEncoder().encode(value)
        return String(decoding: data, as: UTF8.self)
    }

    /// `Key: value, Key: "quoted, value", ...` (A1111's `re_param`).
    private static func parsePairs(_ line: String) -> [String: String] {
        var fields: [String: String] = [:]
        var rest = Substring(line)
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let colon = rest.firstIndex(of: ":") else { break }
            let key = String(rest[..<colon]).trimmingCharacters(in: .whitespaces)
            rest = rest[rest.index(after: colon)...].drop { $0 == " " }
            var value = ""
            if rest.first == "\"" {
                // A JSON string: find the closing quote that is not escaped.
                var end = rest.index(after: rest.startIndex), escaped = false
                while end < rest.endIndex {
                    let c = rest[end]
                    if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { break }
                    end = rest.index(after: end)
                }
                guard end < rest.endIndex else { return fields }
                let literal = String(rest[...end])
                value = (try? JSONDecoder().decode(String.self, from: Data(literal.utf8))) ?? literal
                rest = rest[rest.index(after: end)...]
            } else {
                let comma = rest.firstIndex(of: ",") ?? rest.endIndex
                value = String(rest[..<comma]).trimmingCharacters(in: .whitespaces)
                rest = rest[comma...]
            }
            if fields[key] == nil { fields[key] = value }
        }
        return fields
    }
}

// MARK: - Tags

extension GenerationParameters {
    /// The statement every Tessera output carries, in video `description` tags and PNG chunks.
    public static let aiGeneratedDescription = "AI-generated video: synthesised by Tessera (text-to-video) from a text prompt; it does not depict real events."

    /// Container tags for a clip: `comment` = `a1111Text`, `ai_generated` = `true`,
    /// `description` = `aiGeneratedDescription`, `encoder`-side `software`.
    public func videoTags(software: String) -> [String: String] {
        ["comment": a1111Text, "ai_generated": "true", "description": Self.aiGeneratedDescription,
         "software": software]
    }

    /// PNG text chunks for a frame: A1111's `parameters`, plus `Software`, `ai_generated`
    /// and `Description`.
    public func pngText(software: String) -> [(String, String)] {
        [("parameters", a1111Text), ("Software", software), ("ai_generated", "true"),
         ("Description", Self.aiGeneratedDescription)]
    }
}
