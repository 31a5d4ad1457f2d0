// What the prompt encoder gives for one prompt.

import TesseraTensor

/// One prompt through the encoder: its tokens, the per-token hidden states the video
/// transformer cross-attends to, and the sentence embedding sentence-transformers computes.
public struct PromptEncoding: Sendable, Equatable {
    /// Token ids, `[CLS]` first and `[SEP]` last (the empty prompt is `[101, 102]`).
    public var ids: [Int]
    /// The token text of each id.
    public var tokens: [String]
    /// (L, hidden) last hidden state, L = `ids.count` (hidden = 384 for all-MiniLM-L6-v2).
    public var hiddenStates: Tensor
    /// The mean of the hidden states over the L tokens, L2-normalised (hidden).
    public var embedding: [Float]
    /// Whether the prompt was cut to `PromptEncoder.maxSequenceLength` tokens.
    public var truncated: Bool
    /// Tokens the prompt has before truncation, `[CLS]` and `[SEP]` included.
    public var untruncatedLength: Int

    public init(ids: [Int], tokens: [String], hiddenStates: Tensor, embedding: [Float], truncated: Bool,
                untruncatedLength: Int) {
        self.ids = ids
        self.tokens = tokens
        self.hiddenStates = hiddenStates
        self.embedding = embedding
        self.truncated = truncated
        self.untruncatedLength = untruncatedLength
    }
}
