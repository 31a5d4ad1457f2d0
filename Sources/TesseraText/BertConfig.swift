// `config.json` of a BERT encoder (transformers' `BertConfig`), decoded with the checkpoint's
// own key names.

import Foundation

/// The hyper-parameters of a BERT encoder, as transformers writes them in `config.json`.
public struct BertConfig: Codable, Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var hiddenAct: String
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var layerNormEps: Double
    public var positionEmbeddingType: String?
    public var modelType: String?

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size"
        case hiddenSize = "hidden_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case hiddenAct = "hidden_act"
        case maxPositionEmbeddings = "max_position_embeddings"
        case typeVocabSize = "type_vocab_size"
        case layerNormEps = "layer_norm_eps"
        case positionEmbeddingType = "position_embedding_type"
        case modelType = "model_type"
    }

    /// all-MiniLM-L6-v2: 6 layers, 384 wide, 12 heads of 32, feed-forward 1536.
    public static let miniLML6 = BertConfig(
        vocabSize: 30522, hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12,
        intermediateSize: 1536, hiddenAct: "gelu", maxPositionEmbeddings: 512, typeVocabSize: 2,
        layerNormEps: 1e-12, positionEmbeddingType: "absolute", modelType: "bert")

    /// Channels per attention head.
    public var headDim: Int { hiddenSize / numAttentionHeads }

    /// Reads `url` and checks that this port implements what it describes.
    public static func load(_ url: URL) throws -> BertConfig {
        guard FileManager.default.fileExists(atPath: url.path) else { throw TextEncoderError.missingFile(path: url.path) }
        let config: BertConfig
        do {
            config = try JSONDecoder().decode(BertConfig.self, from: Data(contentsOf: url))
        } catch {
            throw TextEncoderError.unreadableFile(path: url.path, reason: describeDecodingError(error))
        }
        try config.validate(path: url.path)
        return config
    }

    /// Throws `unsupportedConfig` for what the encoder does not implement.
    public func validate(path: String) throws {
        func fail(_ reason: String) -> TextEncoderError { .unsupportedConfig(path: path, reason: reason) }
        if let modelType, modelType != "bert" { throw fail("model_type \"\(modelType)\", expected \"bert\"") }
        guard hiddenAct == "gelu" else { throw fail("hidden_act \"\(hiddenAct)\", expected \"gelu\" (exact, erf)") }
        if let positionEmbeddingType, positionEmbeddingType != "absolute" {
            throw fail("position_embedding_type \"\(positionEmbeddingType)\", expected \"absolute\"")
        }
        for (name, value) in [("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("num_hidden_layers", numHiddenLayers),
                              ("num_attention_heads", numAttentionHeads), ("intermediate_size", intermediateSize),
                              ("max_position_embeddings", maxPositionEmbeddings), ("type_vocab_size", typeVocabSize)]
        where value < 1 {
            throw fail("\(name) is \(value), expected ≥ 1")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw fail("hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
        }
        guard layerNormEps > 0 else { throw fail("layer_norm_eps \(layerNormEps), expected > 0") }
    }
}
