// A prompt as token ids, what `BertTokenizer.encode` returns.

/// A prompt turned into token ids.
public struct TokenizedText: Sendable, Equatable {
    /// Ids including the template's special tokens (`[CLS]` first, `[SEP]` last).
    public var ids: [Int]
    /// The token text of each id.
    public var tokens: [String]
    /// Whether pieces were dropped to fit `maxLength`.
    public var truncated: Bool
    /// Length the sequence would have had without truncation (special tokens included).
    public var untruncatedLength: Int
}
