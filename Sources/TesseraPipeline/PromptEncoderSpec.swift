// `text_encoder/tessera.json`: the note in a model folder saying which prompt encoder the
// transformer was trained with and how its token states were shaped. Wan's own folders carry
// a umT5 `text_encoder/`; Tessera's models are conditioned on all-MiniLM-L6-v2, which is not
// stored in the folder (it is installed once under $TESSERA_HOME), so the folder names it.
//
// The file (keys are the JSON names):
//
//     { "name": "all-MiniLM-L6-v2", "hidden_size": 384, "max_length": 64, "padding": "zeros" }
//
//   name         the encoder, as installed under $TESSERA_HOME/text-encoders/<name>
//   hidden_size  width of the token states (= the transformer's `text_dim`)
//   max_length   tokens per prompt, [CLS] and [SEP] included. A longer prompt is truncated as
//                transformers' BertTokenizer(truncation=True, max_length=N) does: [CLS], the
//                first N-2 WordPiece tokens, [SEP]; the encoder then runs on those N tokens
//                only (so the kept tokens never attend to the dropped ones).
//   padding      "zeros": the real tokens' last hidden states (L, hidden_size), followed by
//                max_length - L rows of zeros, as WanPipeline's `_get_t5_prompt_embeds` pads
//                umT5's states (the encoder never sees padding tokens);
//                "none": the real tokens' states only (L rows); for the batched guidance
//                forward, the shorter of prompt and negative prompt gets zero rows up to the
//                longer one's length.
//
// The states are BERT's last hidden states (not the pooled, normalised sentence embedding).
// The unconditional input of classifier-free guidance is the negative prompt's states (the
// empty prompt "" gives [CLS] [SEP]), so training's caption dropout should use the empty
// prompt's states, as Wan does.

import Foundation

// MARK: - PromptEncoderSpec

/// Which prompt encoder a transformer was trained with, and how its token states were shaped.
public struct PromptEncoderSpec: Codable, Equatable, Sendable {
    /// How token states are padded to a fixed length.
    public enum Padding: String, Codable, Sendable {
        /// Real tokens' states, then zero rows up to `max_length` (WanPipeline's rule).
        case zeros
        /// Real tokens' states only.
        case none
    }

    public var name: String
    public var hiddenSize: Int
    public var maxLength: Int
    public var padding: Padding

    enum CodingKeys: String, CodingKey {
        case name
        case hiddenSize = "hidden_size"
        case maxLength = "max_length"
        case padding
    }

    /// The note's file name inside `text_encoder/`.
    public static let fileName = "tessera.json"

    /// all-MiniLM-L6-v2 states padded with zeros to `maxLength` tokens.
    public init(name: String = "all-MiniLM-L6-v2", hiddenSize: Int = 384, maxLength: Int, padding: Padding = .zeros) {
        self.name = name
        self.hiddenSize = hiddenSize
        self.maxLength = maxLength
        self.padding = padding
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? 384
        maxLength = try c.decode(Int.self, forKey: .maxLength)
        padding = try c.decodeIfPresent(Padding.self, forKey: .padding) ?? .zeros
    }

    /// Reads and checks `url` (a `tessera.json`).
    public static func load(from url: URL) throws -> PromptEncoderSpec {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PipelineError.invalidModelFile(path: url.path, reason: error.localizedDescription)
        }
        let spec: PromptEncoderSpec
        do {
            spec = try JSONDecoder().decode(PromptEncoderSpec.self, from: data)
        } catch let error as DecodingError {
            throw PipelineError.invalidModelFile(path: url.path, reason: Self.describe(error))
        }
        guard spec.maxLength >= 2 else {
            throw PipelineError.invalidModelFile(
                path: url.path, reason: "max_length is \(spec.maxLength); it counts [CLS] and [SEP], so it must be at least 2")
        }
        guard spec.hiddenSize >= 1 else {
            throw PipelineError.invalidModelFile(path: url.path, reason: "hidden_size is \(spec.hiddenSize); expected a positive width")
        }
        return spec
    }

    /// Writes the note (used by tests and by tools that assemble model folders).
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .keyNotFound(key, _):
            return "missing key '\(key.stringValue)' (expected {\"name\": \"all-MiniLM-L6-v2\", \"hidden_size\": 384, \"max_length\": N, \"padding\": \"zeros\"})"
        case let .typeMismatch(type, context), let .valueNotFound(type, context):
            return "key '\(context.codingPath.map(\.stringValue).joined(separator: "."))' should be \(type)"
        case let .dataCorrupted(context):
            if let key = context.codingPath.last?.stringValue, key == "padding" {
                return "padding must be \"zeros\" or \"none\""
            }
            return "not valid JSON (\(context.debugDescription))"
        @unknown default:
            return "\(error)"
        }
    }
}
