// BERT WordPiece tokenization exactly as transformers 5.x `BertTokenizer` (backed by Hugging
// Face tokenizers 0.23.3) tokenizes for all-MiniLM-L6-v2, step by step:
//   1. added tokens (`[CLS]`, `[MASK]`, ...) are matched in the raw text, leftmost-longest
//      (`tokenizers/src/tokenizer/added_vocabulary.rs`), and kept whole;
//   2. the text between them is normalized (`BertNormalizer`), split into words
//      (`BertPreTokenizer`) and each word into pieces (`WordPiece`);
//   3. the pieces are truncated to `maxLength` minus the special tokens (longest-first, which
//      for one sequence drops tokens from the end) and wrapped by the post-processor's template:
//      `[CLS] … [SEP]`, token type 0 throughout.

import Foundation

/// The BERT tokenizer of a text-encoder folder.
public struct BertTokenizer: Sendable {
    public let normalizer: BertNormalizer
    public let wordPiece: WordPiece
    /// Added tokens matched verbatim in the raw text, longest first at each position.
    public let addedTokens: [(content: String, id: Int)]
    /// Template ids before and after the sequence (`[CLS]` and `[SEP]` for BERT).
    public let prefixIDs: [Int]
    public let suffixIDs: [Int]
    private let addedScalars: [(scalars: [Unicode.Scalar], id: Int)]

    /// Loads `vocab.txt` and `tokenizer.json` from `directory`.
    public init(directory: URL) throws {
        let vocabURL = directory.appendingPathComponent("vocab.txt")
        let definitionURL = directory.appendingPathComponent("tokenizer.json")
        let vocabulary = try WordPieceVocabulary(contentsOf: vocabURL)
        let definition = try TokenizerDefinition.load(definitionURL)
        try self.init(vocabulary: vocabulary, definition: definition, definitionPath: definitionURL.path)
    }

    init(vocabulary: WordPieceVocabulary, definition d: TokenizerDefinition, definitionPath path: String) throws {
        func unsupported(_ reason: String) -> TextEncoderError { .unsupportedConfig(path: path, reason: reason) }
        // Model.
        guard d.model.type == "WordPiece" else { throw unsupported("model type \(d.model.type), expected WordPiece") }
        let wordPiece = try WordPiece(
            vocabulary: vocabulary, unknownToken: d.model.unkToken ?? "[UNK]",
            continuingSubwordPrefix: d.model.continuingSubwordPrefix ?? "##",
            maxInputCharsPerWord: d.model.maxInputCharsPerWord ?? 100)
        // Normalizer and pre-tokenizer.
        guard let n = d.normalizer, n.type == "BertNormalizer" else {
            throw unsupported("normalizer \(d.normalizer?.type ?? "none"), expected BertNormalizer")
        }
        guard d.preTokenizer?.type == "BertPreTokenizer" else {
            throw unsupported("pre_tokenizer \(d.preTokenizer?.type ?? "none"), expected BertPreTokenizer")
        }
        let normalizer = BertNormalizer(cleanText: n.cleanText ?? true, handleChineseChars: n.handleChineseChars ?? true,
                                        stripAccents: n.stripAccents, lowercase: n.lowercase ?? true)
        // Added tokens: this port matches them on the raw text as whole substrings.
        var added: [(content: String, id: Int)] = []
        for t in d.addedTokens {
            guard !t.normalized, !t.singleWord, !t.lstrip, !t.rstrip else {
                throw unsupported("added token \(t.content) uses normalized/single_word/lstrip/rstrip matching")
            }
            guard vocabulary.id(for: t.content) == t.id else {
                throw unsupported("added token \(t.content) has id \(t.id) but vocab.txt gives \(vocabulary.id(for: t.content).map(String.init) ?? "none")")
            }
            if !t.content.isEmpty { added.append((t.content, t.id)) }
        }
        // Post-processor: special tokens around one sequence.
        guard let post = d.postProcessor, post.type == "TemplateProcessing", let single = post.single else {
            throw unsupported("post_processor \(d.postProcessor?.type ?? "none"), expected TemplateProcessing")
        }
        var prefix: [Int] = [], suffix: [Int] = [], seenSequence = false
        for piece in single {
            if let special = piece.specialToken {
                guard let ids = post.specialTokens?[special.id]?.ids else {
                    throw unsupported("template token \(special.id) missing from special_tokens")
                }
                if seenSequence { suffix += ids } else { prefix += ids }
            } else if piece.sequence != nil, !seenSequence {
                seenSequence = true
            } else {
                throw unsupported("single-sequence template is not [special…] $A [special…]")
            }
        }
        guard seenSequence else { throw unsupported("single-sequence template has no sequence") }
        for id in prefix + suffix where id >= vocabulary.count {
            throw unsupported("template token id \(id) outside the vocabulary of \(vocabulary.count)")
        }
        self.init(normalizer: normalizer, wordPiece: wordPiece, addedTokens: added, prefixIDs: prefix, suffixIDs: suffix)
    }

    /// A tokenizer from its parts.
    public init(normalizer: BertNormalizer, wordPiece: WordPiece, addedTokens: [(content: String, id: Int)],
                prefixIDs: [Int], suffixIDs: [Int]) {
        self.normalizer = normalizer
        self.wordPiece = wordPiece
        self.addedTokens = addedTokens
        self.prefixIDs = prefixIDs
        self.suffixIDs = suffixIDs
        // Longest first, so that at one position the longest added token wins.
        self.addedScalars = addedTokens.map { (Array($0.content.unicodeScalars), $0.id) }
            .sorted { $0.scalars.count > $1.scalars.count }
    }

    // MARK: - Tokenization

    /// The pieces of `text` (no template tokens, no truncation).
    public func tokenize(_ text: String) -> (ids: [Int], tokens: [String]) {
        var ids: [Int] = [], tokens: [String] = []
        let scalars = Array(text.unicodeScalars)
        var segmentStart = 0, i = 0
        func flushSegment(upTo end: Int) {
            guard end > segmentStart else { return }
            let normalized = normalizer.normalize(Array(scalars[segmentStart..<end]))
            for word in BertPreTokenizer.split(normalized) {
                wordPiece.tokenize(word: word, into: &ids, tokens: &tokens)
            }
        }
        while i < scalars.count {
            if let match = addedTokenMatch(in: scalars, at: i) {
                flushSegment(upTo: i)
                ids.append(match.id)
                tokens.append(wordPiece.vocabulary.tokens[match.id])
                i += match.length
                segmentStart = i
            } else {
                i += 1
            }
        }
        flushSegment(upTo: scalars.count)
        return (ids, tokens)
    }

    /// `text` as model input: template tokens around its pieces, truncated to `maxLength` in all.
    public func encode(_ text: String, maxLength: Int? = nil) -> TokenizedText {
        let (pieceIDs, pieceTokens) = tokenize(text)
        let specials = prefixIDs.count + suffixIDs.count
        let untruncated = pieceIDs.count + specials
        var keep = pieceIDs.count
        if let maxLength { keep = min(keep, max(0, maxLength - specials)) }
        let vocab = wordPiece.vocabulary.tokens
        let ids = prefixIDs + pieceIDs[..<keep] + suffixIDs
        let tokens = prefixIDs.map { vocab[$0] } + pieceTokens[..<keep] + suffixIDs.map { vocab[$0] }
        return TokenizedText(ids: ids, tokens: tokens, truncated: keep < pieceIDs.count, untruncatedLength: untruncated)
    }

    /// The added token starting at `scalars[i]`, if any (longest wins).
    private func addedTokenMatch(in scalars: [Unicode.Scalar], at i: Int) -> (id: Int, length: Int)? {
        for token in addedScalars where i + token.scalars.count <= scalars.count {
            var equal = true
            for (k, s) in token.scalars.enumerated() where scalars[i + k] != s { equal = false; break }
            if equal { return (token.id, token.scalars.count) }
        }
        return nil
    }
}
