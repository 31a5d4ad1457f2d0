// Port of `BertModel` (transformers 5.23, `models/bert/modeling_bert.py`) for inference:
// embeddings, then the encoder layers; the output is `last_hidden_state`, what
// sentence-transformers calls `token_embeddings`. The pooler (`pooler.dense`) is not part of
// sentence-transformers' computation and is not loaded.

import TesseraTensor
import TesseraWeights

/// The BERT encoder of all-MiniLM-L6-v2 (any BERT of `BertConfig` works).
public struct BertModel: Sendable {
    public let config: BertConfig
    /// `embeddings.*`
    public let embeddings: BertEmbeddings
    /// `encoder.layer.<i>.*`
    public let layers: [BertLayer]

    /// Takes the weights under `weights` (the checkpoint root, or its `bert` scope).
    public init(config: BertConfig, weights: some WeightSource) throws {
        self.config = config
        embeddings = try BertEmbeddings(config: config, weights: weights.scope("embeddings"))
        layers = try (0..<config.numHiddenLayers).map {
            try BertLayer(config: config, weights: weights.scope("encoder.layer.\($0)"))
        }
        weights.ignore(prefix: "pooler")
    }

    /// The last hidden state of packed sequences: `ids` holds the sequences one after another,
    /// `lengths` their lengths (each ≤ max positions, ids < vocab). Returns (N, H), N = Σ lengths.
    public func callAsFunction(ids: [Int], lengths: [Int]) -> Tensor {
        var x = embeddings(ids: ids, lengths: lengths)                         // (N, H)
        for layer in layers {
            x = layer(x, lengths: lengths)                                     // (N, H)
        }
        return x
    }
}
