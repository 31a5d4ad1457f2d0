// Port of `BertLayer` (transformers 5.23, `models/bert/modeling_bert.py`: BertSelfAttention,
// BertSelfOutput, BertIntermediate, BertOutput) for inference, post-LayerNorm:
//   h   = LayerNorm(x + Dense(Attention(x)))        attention.output
//   out = LayerNorm(h + Dense(GELU(Dense(h))))      intermediate, output

import TesseraTensor
import TesseraWeights

/// One encoder layer. Property names follow the checkpoint keys under `encoder.layer.<i>.`.
public struct BertLayer: Sendable {
    /// `attention.self.{query,key,value}.weight`: (hidden, hidden), PyTorch (out, in) layout.
    public let queryWeight, keyWeight, valueWeight: Tensor
    /// `attention.self.{query,key,value}.bias`: (hidden)
    public let queryBias, keyBias, valueBias: Tensor
    /// `attention.output.dense.{weight,bias}`: (hidden, hidden), (hidden)
    public let attentionOutputWeight, attentionOutputBias: Tensor
    /// `attention.output.LayerNorm.{weight,bias}`: (hidden)
    public let attentionLayerNormWeight, attentionLayerNormBias: Tensor
    /// `intermediate.dense.{weight,bias}`: (intermediate, hidden), (intermediate)
    public let intermediateWeight, intermediateBias: Tensor
    /// `output.dense.{weight,bias}`: (hidden, intermediate), (hidden)
    public let outputWeight, outputBias: Tensor
    /// `output.LayerNorm.{weight,bias}`: (hidden)
    public let outputLayerNormWeight, outputLayerNormBias: Tensor

    public let heads: Int
    public let layerNormEps: Float

    public init(config: BertConfig, weights: some WeightSource) throws {
        let h = config.hiddenSize, i = config.intermediateSize
        let selfAttention = weights.scope("attention.self")
        queryWeight = try selfAttention.take("query.weight", shape: [h, h])
        queryBias = try selfAttention.take("query.bias", shape: [h])
        keyWeight = try selfAttention.take("key.weight", shape: [h, h])
        keyBias = try selfAttention.take("key.bias", shape: [h])
        valueWeight = try selfAttention.take("value.weight", shape: [h, h])
        valueBias = try selfAttention.take("value.bias", shape: [h])
        let attentionOutput = weights.scope("attention.output")
        attentionOutputWeight = try attentionOutput.take("dense.weight", shape: [h, h])
        attentionOutputBias = try attentionOutput.take("dense.bias", shape: [h])
        attentionLayerNormWeight = try attentionOutput.take("LayerNorm.weight", shape: [h])
        attentionLayerNormBias = try attentionOutput.take("LayerNorm.bias", shape: [h])
        intermediateWeight = try weights.take("intermediate.dense.weight", shape: [i, h])
        intermediateBias = try weights.take("intermediate.dense.bias", shape: [i])
        outputWeight = try weights.take("output.dense.weight", shape: [h, i])
        outputBias = try weights.take("output.dense.bias", shape: [h])
        outputLayerNormWeight = try weights.take("output.LayerNorm.weight", shape: [h])
        outputLayerNormBias = try weights.take("output.LayerNorm.bias", shape: [h])
        heads = config.numAttentionHeads
        layerNormEps = Float(config.layerNormEps)
    }

    // MARK: - Forward

    /// x: (N, H) packed sequences of `lengths` (Σ lengths = N), each attending only to itself
    /// (no padding, so no mask). Returns (N, H).
    public func callAsFunction(_ x: Tensor, lengths: [Int]) -> Tensor {
        let n = x.dim(0), hidden = x.dim(1), headDim = hidden / heads
        // Self-attention.
        let q = linear(x, weight: queryWeight, bias: queryBias)                // (N, H) = (N, heads, headDim)
        let k = linear(x, weight: keyWeight, bias: keyBias)                    // (N, heads, headDim)
        let v = linear(x, weight: valueWeight, bias: valueBias)                // (N, heads, headDim)
        var context = Tensor(zeros: [n, hidden])                               // (N, heads, headDim)
        q.withUnsafeBufferPointer { qs in
            k.withUnsafeBufferPointer { ks in
                v.withUnsafeBufferPointer { vs in
                    context.withUnsafeMutableBufferPointer { cs in
                        var offset = 0
                        for length in lengths {                                // one sequence: (1, L, heads, headDim)
                            let o = offset * hidden
                            scaledDotProductAttention(
                                query: qs.baseAddress! + o, key: ks.baseAddress! + o, value: vs.baseAddress! + o,
                                output: cs.baseAddress! + o, batch: 1, heads: heads,
                                queryLength: length, keyLength: length, headDim: headDim,
                                layout: .batchTokenHeadChannel)
                            offset += length
                        }
                    }
                }
            }
        }
        var h = linear(context, weight: attentionOutputWeight, bias: attentionOutputBias)  // (N, H)
        addInPlace(&h, x)                                                                  // (N, H) residual
        normalize(&h, weight: attentionLayerNormWeight, bias: attentionLayerNormBias)      // (N, H)
        // Feed-forward.
        var inner = linear(h, weight: intermediateWeight, bias: intermediateBias)          // (N, I)
        inner.withUnsafeMutableBufferPointer { p in Self.geluErf(p.baseAddress!, count: p.count) }  // (N, I)
        var out = linear(inner, weight: outputWeight, bias: outputBias)                    // (N, H)
        addInPlace(&out, h)                                                                // (N, H) residual
        normalize(&out, weight: outputLayerNormWeight, bias: outputLayerNormBias)          // (N, H)
        return out
    }

    /// Exact GELU in place, x·½(1 + erf(x/√2)), with erf computed as PyTorch's CPU kernel does
    /// (ATen's vectorised `erf`: Abramowitz & Stegun 7.1.26, `fastErf`), which vectorises where
    /// libm's `erff` is one call per element (a sixth of the encoder's time).
    static func geluErf(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let address = Int(bitPattern: x)
        Threads.parallelFor(count, grain: 1 << 15) { range in
            let x = UnsafeMutablePointer<Float>(bitPattern: address)! + range.lowerBound
            for i in 0..<range.count {
                let v = x[i]
                x[i] = 0.5 * v * (1 + fastErf(v * 0.70710678118654752))
            }
        }
    }

    private func addInPlace(_ y: inout Tensor, _ x: Tensor) {
        x.withUnsafeBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { ys in
                add(ys.baseAddress!, xs.baseAddress!, count: ys.count, into: ys.baseAddress!)
            }
        }
    }

    private func normalize(_ y: inout Tensor, weight: Tensor, bias: Tensor) {
        let rows = y.dim(0), dim = y.dim(1)
        y.withUnsafeMutableBufferPointer { ys in
            weight.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    layerNorm(ys.baseAddress!, rows: rows, dim: dim, weight: w.baseAddress!, bias: b.baseAddress!,
                              eps: layerNormEps, into: ys.baseAddress!)
                }
            }
        }
    }
}
