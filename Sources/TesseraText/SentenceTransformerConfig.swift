// The sentence-transformers side of an encoder folder: `modules.json` (Transformer → Pooling
// → Normalize), `sentence_bert_config.json` (max_seq_length, do_lower_case) and
// `1_Pooling/config.json`, read as sentence-transformers 6.2 reads them.

import Foundation

/// How sentence-transformers turns the encoder's token states into one sentence embedding.
public struct SentenceTransformerConfig: Sendable, Equatable {
    /// Token limit, `[CLS]` and `[SEP]` included (256 for all-MiniLM-L6-v2).
    public var maxSeqLength: Int
    /// Whether sentence-transformers lowercases the text before tokenizing (false here: the
    /// tokenizer lowercases anyway).
    public var doLowerCase: Bool
    /// Width of the token embeddings the pooling expects.
    public var wordEmbeddingDimension: Int
    /// Whether a `Normalize` module follows the pooling (L2 norm of the sentence embedding).
    public var normalize: Bool

    public init(maxSeqLength: Int, doLowerCase: Bool, wordEmbeddingDimension: Int, normalize: Bool) {
        self.maxSeqLength = maxSeqLength
        self.doLowerCase = doLowerCase
        self.wordEmbeddingDimension = wordEmbeddingDimension
        self.normalize = normalize
    }

    private struct Module: Decodable { let path: String; let type: String }
    private struct SentenceBert: Decodable {
        let maxSeqLength: Int
        let doLowerCase: Bool?
        enum CodingKeys: String, CodingKey { case maxSeqLength = "max_seq_length"; case doLowerCase = "do_lower_case" }
    }
    private struct Pooling: Decodable {
        let wordEmbeddingDimension: Int
        let cls, mean, max, meanSqrtLen: Bool?
        let weightedMean, lastToken: Bool?
        enum CodingKeys: String, CodingKey {
            case wordEmbeddingDimension = "word_embedding_dimension"
            case cls = "pooling_mode_cls_token", mean = "pooling_mode_mean_tokens"
            case max = "pooling_mode_max_tokens", meanSqrtLen = "pooling_mode_mean_sqrt_len_tokens"
            case weightedMean = "pooling_mode_weightedmean_tokens", lastToken = "pooling_mode_lasttoken"
        }
    }

    /// Reads the three files from `directory`; supports a Transformer, then mean pooling, then
    /// an optional Normalize, which is what all-MiniLM-L6-v2 is.
    public static func load(directory: URL) throws -> SentenceTransformerConfig {
        let modulesURL = directory.appendingPathComponent("modules.json")
        let modules: [Module] = try decode(modulesURL)
        func unsupported(_ url: URL, _ reason: String) -> TextEncoderError { .unsupportedConfig(path: url.path, reason: reason) }
        let types = modules.map { $0.type.split(separator: ".").last.map(String.init) ?? $0.type }
        guard types.first == "Transformer", types.count >= 2, types[1] == "Pooling",
              types.count == 2 || (types.count == 3 && types[2] == "Normalize") else {
            throw unsupported(modulesURL, "modules \(types.joined(separator: " → ")), expected Transformer → Pooling [→ Normalize]")
        }
        let sentenceBertURL = directory.appendingPathComponent("sentence_bert_config.json")
        let sentenceBert: SentenceBert = try decode(sentenceBertURL)
        guard sentenceBert.maxSeqLength >= 2 else { throw unsupported(sentenceBertURL, "max_seq_length \(sentenceBert.maxSeqLength) leaves no room for [CLS] and [SEP]") }
        let poolingURL = directory.appendingPathComponent(modules[1].path).appendingPathComponent("config.json")
        let pooling: Pooling = try decode(poolingURL)
        let others = [pooling.cls, pooling.max, pooling.meanSqrtLen, pooling.weightedMean, pooling.lastToken]
        guard pooling.mean == true, !others.contains(true) else {
            throw unsupported(poolingURL, "only pooling_mode_mean_tokens is implemented")
        }
        return SentenceTransformerConfig(maxSeqLength: sentenceBert.maxSeqLength, doLowerCase: sentenceBert.doLowerCase ?? false,
                                         wordEmbeddingDimension: pooling.wordEmbeddingDimension, normalize: types.count == 3)
    }

    private static func decode<T: Decodable>(_ url: URL) throws -> T {
        guard FileManager.default.fileExists(atPath: url.path) else { throw TextEncoderError.missingFile(path: url.path) }
        do {
            return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
        } catch {
            throw TextEncoderError.unreadableFile(path: url.path, reason: describeDecodingError(error))
        }
    }
}
