// The parts of a Hugging Face `tokenizer.json` (tokenizers 0.23.3 serialization) that a BERT
// WordPiece tokenizer needs. The vocabulary itself is read from `vocab.txt` (see
// `WordPieceVocabulary`); everything else is checked to be what this port implements, so a
// tokenizer of another kind is refused instead of silently tokenized differently.

import Foundation

/// Settings of a BERT tokenizer as `tokenizer.json` declares them.
struct TokenizerDefinition: Decodable {
    struct AddedToken: Decodable {
        let id: Int
        let content: String
        let singleWord: Bool
        let lstrip: Bool
        let rstrip: Bool
        let normalized: Bool
        let special: Bool

        enum CodingKeys: String, CodingKey {
            case id, content, lstrip, rstrip, normalized, special
            case singleWord = "single_word"
        }
    }

    struct Normalizer: Decodable {
        let type: String
        let cleanText: Bool?
        let handleChineseChars: Bool?
        let stripAccents: Bool?
        let lowercase: Bool?

        enum CodingKeys: String, CodingKey {
            case type, lowercase
            case cleanText = "clean_text"
            case handleChineseChars = "handle_chinese_chars"
            case stripAccents = "strip_accents"
        }
    }

    struct PreTokenizer: Decodable {
        let type: String
    }

    /// One element of a `TemplateProcessing` template: `{"SpecialToken": {...}}` or `{"Sequence": {...}}`.
    struct TemplatePiece: Decodable {
        struct Special: Decodable { let id: String; let typeID: Int
            enum CodingKeys: String, CodingKey { case id; case typeID = "type_id" } }
        struct Sequence: Decodable { let id: String; let typeID: Int
            enum CodingKeys: String, CodingKey { case id; case typeID = "type_id" } }
        let specialToken: Special?
        let sequence: Sequence?

        enum CodingKeys: String, CodingKey {
            case specialToken = "SpecialToken"
            case sequence = "Sequence"
        }
    }

    struct SpecialTokenIDs: Decodable {
        let id: String
        let ids: [Int]
        let tokens: [String]
    }

    struct PostProcessor: Decodable {
        let type: String
        let single: [TemplatePiece]?
        let specialTokens: [String: SpecialTokenIDs]?

        enum CodingKeys: String, CodingKey {
            case type, single
            case specialTokens = "special_tokens"
        }
    }

    struct Model: Decodable {
        let type: String
        let unkToken: String?
        let continuingSubwordPrefix: String?
        let maxInputCharsPerWord: Int?

        enum CodingKeys: String, CodingKey {
            case type
            case unkToken = "unk_token"
            case continuingSubwordPrefix = "continuing_subword_prefix"
            case maxInputCharsPerWord = "max_input_chars_per_word"
        }
    }

    let addedTokens: [AddedToken]
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let postProcessor: PostProcessor?
    let model: Model

    enum CodingKeys: String, CodingKey {
        case model, normalizer
        case addedTokens = "added_tokens"
        case preTokenizer = "pre_tokenizer"
        case postProcessor = "post_processor"
    }

    /// Reads and decodes `url`; errors name the file.
    static func load(_ url: URL) throws -> TokenizerDefinition {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TextEncoderError.missingFile(path: url.path)
        }
        do {
            return try JSONDecoder().decode(TokenizerDefinition.self, from: Data(contentsOf: url))
        } catch {
            throw TextEncoderError.unreadableFile(path: url.path, reason: "not a tokenizers JSON file: \(describeDecodingError(error))")
        }
    }
}
