// Port of `BertEmbeddings` (transformers 5.23, `models/bert/modeling_bert.py`) for inference:
// word + absolute position + token type embeddings, then LayerNorm (dropout is identity).

import TesseraTensor
import TesseraWeights

/// The input embeddings of BERT. Property names are the checkpoint keys under `embeddings.`.
public struct BertEmbeddings: Sendable {
    /// (vocab, hidden)
    public let wordEmbeddings: Tensor
    /// (max positions, hidden)
    public let positionEmbeddings: Tensor
    /// (type vocab, hidden)
    public let tokenTypeEmbeddings: Tensor
    /// `LayerNorm.weight`, `LayerNorm.bias`: (hidden)
    public let layerNormWeight: Tensor
    public let layerNormBias: Tensor
    public let layerNormEps: Float

    public init(config: BertConfig, weights: some WeightSource) throws {
        let h = config.hiddenSize
        wordEmbeddings = try weights.take("word_embeddings.weight", shape: [config.vocabSize, h])
        positionEmbeddings = try weights.take("position_embeddings.weight", shape: [config.maxPositionEmbeddings, h])
        tokenTypeEmbeddings = try weights.take("token_type_embeddings.weight", shape: [config.typeVocabSize, h])
        layerNormWeight = try weights.take("LayerNorm.weight", shape: [h])
        layerNormBias = try weights.take("LayerNorm.bias", shape: [h])
        layerNormEps = Float(config.layerNormEps)
        // The registered buffer `position_ids` is arange(max positions); positions are computed here.
        weights.ignore("position_ids")
        weights.ignore("token_type_ids")
    }

    /// Embeds packed sequences: `ids` holds every sequence's ids one after another, and
    /// `lengths` their lengths; positions restart at 0 for each sequence, token type 0.
    /// Ids must be < vocab and each length ≤ max positions (the encoder checks both).
    /// Returns (N, hidden), N = Σ lengths.
    public func callAsFunction(ids: [Int], lengths: [Int]) -> Tensor {
        let h = wordEmbeddings.dim(1)
        var x = Tensor(zeros: [ids.count, h])                                  // (N, H)
        x.withUnsafeMutableBufferPointer { xs in
            wordEmbeddings.withUnsafeBufferPointer { word in
                positionEmbeddings.withUnsafeBufferPointer { position in
                    tokenTypeEmbeddings.withUnsafeBufferPointer { tokenType in
                        var row = 0
                        for length in lengths {
                            for p in 0..<length {
                                let out = xs.baseAddress! + row * h
                                let w = word.baseAddress! + ids[row] * h
                                let pe = position.baseAddress! + p * h
                                let t = tokenType.baseAddress!  // token type 0
                                // Same order as PyTorch: (word + token type) + position.
                                for c in 0..<h { out[c] = (w[c] + t[c]) + pe[c] }
                                row += 1
                            }
                        }
                    }
                }
            }
            layerNormWeight.withUnsafeBufferPointer { w in
                layerNormBias.withUnsafeBufferPointer { b in
                    layerNorm(xs.baseAddress!, rows: ids.count, dim: h, weight: w.baseAddress!, bias: b.baseAddress!,
                              eps: layerNormEps, into: xs.baseAddress!)
                }
            }
        }
        return x
    }
}
