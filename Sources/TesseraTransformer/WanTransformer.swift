// Port of diffusers 0.42.1 `WanTransformer3DModel` (`diffusers/models/transformers/transformer_wan.py`),
// text-to-video: patch embedding, 3D RoPE, time/text conditioning, DiT blocks, output head.

import Foundation
import TesseraTensor
import TesseraWeights

/// The Wan diffusion transformer: predicts the flow (velocity) for noisy video latents at a
/// timestep, conditioned on a prompt's token states.
///
/// Use:
/// ```swift
/// let model = try WanTransformer(config: config, weights: store)
/// let text = try model.prepareText(promptStates)            // (B, Ltext, text_dim), once per clip
/// let flow = try model.forward(latents, timestep: [t, t], text: text)   // (B, C, F, H, W)
/// ```
///
/// Text padding follows `WanPipeline`: prompt states are zero-padded to a common length and
/// attended over in full, padding included, without a mask (the padded rows still pass through
/// `text_embedder`, so they are not zero keys). Conditional and unconditional prompts of
/// different lengths are padded to the same length (`prepareText(sequences:paddedLength:)`).
public struct WanTransformer: Sendable {
    public let config: WanTransformerConfig
    /// 3D rotary position embedding (no weights).
    public let rope: WanRotaryPosEmbed
    let patch_embedding: WanPatchEmbedding
    let condition_embedder: WanTimeTextImageEmbedding
    let blocks: [WanTransformerBlock]
    /// (dim, out_channels·p_t·p_h·p_w)
    let proj_out: LinearProjection
    /// (1, 2, dim): shift and scale offsets of the output norm, added to `temb`.
    let scale_shift_table: Tensor
    /// Scratch memory reused from one forward pass to the next.
    private let workspaces = WanWorkspaceCache()

    var dim: Int { config.innerDim }

    // MARK: - Loading

    /// Builds the model from a checkpoint, strictly: every tensor is taken by its checkpoint
    /// key with the shape the config implies, then `weights.finish()` throws one error listing
    /// every missing, unexpected, wrong-shape or non-float tensor. f16/bf16 weights are
    /// converted to fp32 on load.
    public init(config: WanTransformerConfig, weights: WeightStore) throws {
        try self.init(config: config, source: weights)
        try weights.finish()
    }

    /// Loads a diffusers `transformer/` folder: `config.json` and its safetensors weights
    /// (`diffusion_pytorch_model.safetensors`, a shard index, or another name `WeightStore` knows).
    public static func load(folder: URL) throws -> WanTransformer {
        let config = try WanTransformerConfig.load(from: folder.appendingPathComponent("config.json"))
        return try WanTransformer(config: config, weights: WeightStore(url: folder))
    }

    /// Takes every tensor from `source` (without finishing the store).
    init(config: WanTransformerConfig, source: some WeightSource) throws {
        try config.validate()
        self.config = config
        let d = config.innerDim, p = config.patchSize
        let eps = config.eps
        rope = WanRotaryPosEmbed(attentionHeadDim: config.attentionHeadDim, patchSize: p,
                                 maxSeqLen: config.ropeMaxSeqLen)

        func linear(_ source: some WeightSource, _ key: String, out: Int, in inFeatures: Int) throws -> LinearProjection {
            let layer = source.scope(key)
            return LinearProjection(weight: try layer.take("weight", shape: [out, inFeatures]),
                                    bias: try layer.take("bias", shape: [out]))
        }

        patch_embedding = WanPatchEmbedding(
            patchSize: p,
            weight: try source.take("patch_embedding.weight", shape: [d, config.inChannels] + p),
            bias: try source.take("patch_embedding.bias", shape: [d]))

        let condition = source.scope("condition_embedder")
        condition_embedder = WanTimeTextImageEmbedding(
            freqDim: config.freqDim,
            time_embedder: TimestepEmbedding(
                linear_1: try linear(condition, "time_embedder.linear_1", out: d, in: config.freqDim),
                linear_2: try linear(condition, "time_embedder.linear_2", out: d, in: d)),
            time_proj: try linear(condition, "time_proj", out: 6 * d, in: d),
            text_embedder: PixArtAlphaTextProjection(
                linear_1: try linear(condition, "text_embedder.linear_1", out: d, in: config.textDim),
                linear_2: try linear(condition, "text_embedder.linear_2", out: d, in: d)))

        var blocks: [WanTransformerBlock] = []
        for i in 0..<config.numLayers {
            let block = source.scope("blocks.\(i)")
            func attention(_ name: String, cross: Bool) throws -> WanAttention {
                let attn = block.scope(name)
                let q = try linear(attn, "to_q", out: d, in: d)
                let k = try linear(attn, "to_k", out: d, in: d)
                let v = try linear(attn, "to_v", out: d, in: d)
                return WanAttention(
                    heads: config.numAttentionHeads, headDim: config.attentionHeadDim, eps: eps,
                    to_qkv: cross ? nil : .stacked([q, k, v]),
                    to_q: cross ? q : nil,
                    to_kv: cross ? .stacked([k, v]) : nil,
                    to_out: try linear(attn, "to_out.0", out: d, in: d),
                    norm_q: try attn.take("norm_q.weight", shape: [d]),
                    norm_k: try attn.take("norm_k.weight", shape: [d]))
            }
            let norm2: (weight: Tensor, bias: Tensor)? = config.crossAttnNorm
                ? (try block.take("norm2.weight", shape: [d]), try block.take("norm2.bias", shape: [d]))
                : nil
            blocks.append(WanTransformerBlock(
                dim: d, eps: eps,
                scale_shift_table: try block.take("scale_shift_table", shape: [1, 6, d]),
                attn1: try attention("attn1", cross: false),
                attn2: try attention("attn2", cross: true),
                norm2: norm2,
                ffn: FeedForward(
                    net_0_proj: try linear(block, "ffn.net.0.proj", out: config.ffnDim, in: d),
                    net_2: try linear(block, "ffn.net.2", out: d, in: config.ffnDim))))
        }
        self.blocks = blocks
        proj_out = try linear(source, "proj_out", out: config.resolvedOutChannels * config.patchVolume, in: d)
        scale_shift_table = try source.take("scale_shift_table", shape: [1, 2, d])
    }

    // MARK: - Text

    /// Runs the text embedder and every block's cross-attention key/value projections once.
    ///
    /// - Parameter encoderHiddenStates: (B, Ltext, text_dim), each sample zero-padded to Ltext
    ///   as `WanPipeline` pads prompt embeddings (all Ltext tokens are attended to).
    public func prepareText(_ encoderHiddenStates: Tensor) throws -> WanTextConditioning {
        guard encoderHiddenStates.rank == 3, encoderHiddenStates.dim(2) == config.textDim,
              encoderHiddenStates.dim(0) > 0, encoderHiddenStates.dim(1) > 0
        else {
            throw WanTransformerError.textShape(
                found: encoderHiddenStates.shape, expected: "(B, Ltext, \(config.textDim)) with B, Ltext ≥ 1")
        }
        let textStates = condition_embedder.embedText(encoderHiddenStates)  // (B, Ltext, dim)
        let keyValues = blocks.map { $0.attn2.projectKeyValues(textStates) }  // per block (B, Ltext, 2·dim)
        return WanTextConditioning(batch: encoderHiddenStates.dim(0), tokens: encoderHiddenStates.dim(1),
                                   textStates: textStates, keyValues: keyValues)
    }

    /// Stacks prompts of different lengths, each (Li, text_dim), into one batch, zero-padding
    /// every one to `paddedLength` (default: the longest) as `WanPipeline` pads to
    /// `max_sequence_length`, then prepares it (see `prepareText(_:)`).
    public func prepareText(sequences: [Tensor], paddedLength: Int? = nil) throws -> WanTextConditioning {
        let width = config.textDim
        for s in sequences where s.rank != 2 || s.dim(1) != width {
            throw WanTransformerError.textShape(found: s.shape, expected: "(Ltext, \(width)) per prompt")
        }
        let longest = sequences.map { $0.dim(0) }.max() ?? 0
        let length = paddedLength ?? longest
        guard !sequences.isEmpty, length >= longest, length > 0 else {
            throw WanTransformerError.textShape(
                found: sequences.map { $0.dim(0) },
                expected: "at least one prompt, each no longer than the padded length \(length)")
        }
        var stacked = Tensor(zeros: [sequences.count, length, width])  // (B, Ltext, text_dim)
        for (b, s) in sequences.enumerated() {
            stacked.data.replaceSubrange(b * length * width..<(b * length * width + s.count), with: s.data)
        }
        return try prepareText(stacked)
    }

    // MARK: - Forward

    /// The transformer's prediction for `latents` at `timestep`, conditioned on `text`.
    ///
    /// - Parameters:
    ///   - latents: (B, C, F, H, W), F, H, W divisible by the patch size
    ///   - timestep: (B) diffusion timesteps (0…1000 for Wan's flow-matching schedulers)
    ///   - text: from `prepareText`, with the same B
    /// - Returns: (B, C_out, F, H, W)
    public func forward(_ latents: Tensor, timestep: [Float], text: WanTextConditioning) throws -> Tensor {
        try run(latents, timestep: timestep, text: text, blocks: blocks.count, head: true)
    }

    /// The token stream (B, L, dim) after the first `count` blocks (0: the patch embedding).
    /// For debugging and parity tests against the reference's intermediate activations.
    public func hiddenStates(_ latents: Tensor, timestep: [Float], text: WanTextConditioning,
                             afterBlocks count: Int) throws -> Tensor {
        precondition((0...blocks.count).contains(count), "afterBlocks must be in 0...\(blocks.count)")
        return try run(latents, timestep: timestep, text: text, blocks: count, head: false)
    }

    /// `temb` (B, dim) and `timestep_proj` (B, 6·dim) of `condition_embedder` for timesteps (B).
    public func timestepEmbedding(_ timestep: [Float]) -> (temb: Tensor, timestepProj: Tensor) {
        condition_embedder.embedTime(timestep)
    }

    /// The post-patch grid (F/p_t, H/p_h, W/p_w) of latents, after checking their shape.
    public func patchGrid(latents shape: [Int]) throws -> (frames: Int, height: Int, width: Int) {
        let p = config.patchSize
        let expected = "(B, \(config.inChannels), F, H, W) with F divisible by \(p[0]), "
            + "H by \(p[1]), W by \(p[2]), all ≥ 1"
        guard shape.count == 5, shape[0] >= 1, shape[1] == config.inChannels,
              shape[2] >= p[0], shape[3] >= p[1], shape[4] >= p[2],
              shape[2] % p[0] == 0, shape[3] % p[1] == 0, shape[4] % p[2] == 0
        else { throw WanTransformerError.latentShape(found: shape, expected: expected) }
        let grid = (frames: shape[2] / p[0], height: shape[3] / p[1], width: shape[4] / p[2])
        for (axis, n) in [("frames", grid.frames), ("height", grid.height), ("width", grid.width)]
        where n > config.ropeMaxSeqLen {
            throw WanTransformerError.tooManyPositions(axis: axis, found: n, limit: config.ropeMaxSeqLen)
        }
        return grid
    }

    private func run(_ latents: Tensor, timestep: [Float], text: WanTextConditioning,
                     blocks count: Int, head: Bool) throws -> Tensor {
        let grid = try patchGrid(latents: latents.shape)
        let batch = latents.dim(0)
        guard timestep.count == batch else {
            throw WanTransformerError.timestepCount(found: timestep.count, batch: batch)
        }
        guard text.batch == batch else { throw WanTransformerError.textBatch(found: text.batch, batch: batch) }
        let d = dim
        let tokens = grid.frames * grid.height * grid.width
        let rows = batch * tokens

        let (cos, sin) = rope.pairTables(frames: grid.frames, height: grid.height, width: grid.width)  // (L, hd/2)
        let workspace = workspaces.take(batch: batch, tokens: tokens, dim: d, ffnDim: config.ffnDim)
        defer { workspaces.give(workspace) }
        patch_embedding.apply(latents, into: workspace.hidden)  // (B·L, dim)
        let (temb, timestepProj) = condition_embedder.embedTime(timestep)  // (B, dim), (B, 6·dim)

        cos.withUnsafeBufferPointer { cos in
            sin.withUnsafeBufferPointer { sin in
                for (i, block) in blocks.prefix(count).enumerated() {
                    let modulation = block.modulation(timestepProj: timestepProj)  // (B, 6, dim)
                    modulation.withUnsafeBufferPointer { m in
                        block.apply(workspace, modulation: m.baseAddress!, cos: cos.baseAddress!,
                                    sin: sin.baseAddress!, keyValues: text.keyValues[i])  // (B·L, dim)
                    }
                }
            }
        }
        guard head else {
            return Tensor(shape: [batch, tokens, d], data: Array(UnsafeBufferPointer(start: workspace.hidden, count: rows * d)))
        }

        // Output head: norm_out(x)·(1 + scale) + shift with (shift, scale) = scale_shift_table + temb
        var modulation = [Float](repeating: 0, count: batch * 2 * d)  // (B, 2, dim): shift | scale
        for b in 0..<batch {
            for k in 0..<2 {
                for i in 0..<d {
                    modulation[(b * 2 + k) * d + i] = scale_shift_table.data[k * d + i] + temb.data[b * d + i]
                }
            }
        }
        modulation.withUnsafeBufferPointer { m in
            let modulation = NormModulation(scale: m.baseAddress! + d, shift: m.baseAddress!, stride: 2 * d,
                                            rowsPerGroup: tokens)
            layerNorm(workspace.hidden, rows: rows, dim: d, weight: nil, bias: nil, eps: config.eps,
                      modulation: modulation, into: workspace.normed)  // (B·L, dim)
        }
        let outWidth = proj_out.outFeatures
        var projected = [Float](repeating: 0, count: rows * outWidth)
        projected.withUnsafeMutableBufferPointer { out in
            proj_out.apply(workspace.normed, rows: rows, into: out.baseAddress!)  // (B·L, p_t·p_h·p_w·C_out)
        }
        return projected.withUnsafeBufferPointer { tokensOut in
            unpatchify(tokensOut.baseAddress!, batch: batch, channels: config.resolvedOutChannels,
                       grid: (grid.frames, grid.height, grid.width), patchSize: config.patchSize)  // (B, C_out, F, H, W)
        }
    }
}
