// Port of the WordPiece model of Hugging Face tokenizers 0.23.3
// (`tokenizers/src/models/wordpiece/mod.rs`, `WordPiece::tokenize`): greedy longest-match-first
// over each word, continuation pieces prefixed with `##`; a word longer than
// `max_input_chars_per_word` scalars, or one with a part that matches nothing, becomes `[UNK]`.

/// Splits words into vocabulary pieces.
public struct WordPiece: Sendable {
    public let vocabulary: WordPieceVocabulary
    public let unknownToken: String
    public let unknownID: Int
    public let continuingSubwordPrefix: String
    public let maxInputCharsPerWord: Int
    private let prefixBytes: [UInt8]

    public init(vocabulary: WordPieceVocabulary, unknownToken: String = "[UNK]",
                continuingSubwordPrefix: String = "##", maxInputCharsPerWord: Int = 100) throws {
        guard let unk = vocabulary.id(for: unknownToken) else {
            throw TextEncoderError.unsupportedConfig(path: "vocab.txt", reason: "the unknown token \(unknownToken) is not in the vocabulary")
        }
        self.vocabulary = vocabulary
        self.unknownToken = unknownToken
        self.unknownID = unk
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
        self.prefixBytes = Array(continuingSubwordPrefix.utf8)
    }

    /// The pieces of one word as (id, token) pairs; `[UNK]` alone when it cannot be split.
    public func tokenize(word: [Unicode.Scalar], into ids: inout [Int], tokens: inout [String]) {
        if word.count > maxInputCharsPerWord {
            ids.append(unknownID); tokens.append(unknownToken)
            return
        }
        // UTF-8 offset of each scalar boundary, so candidate pieces are byte slices.
        var utf8: [UInt8] = []
        var boundary: [Int] = [0]
        boundary.reserveCapacity(word.count + 1)
        for s in word {
            utf8.append(contentsOf: UTF8.encode(s)!)
            boundary.append(utf8.count)
        }
        var pieceIDs: [Int] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int?
            while start < end {
                var candidate = start > 0 ? prefixBytes : []
                candidate.append(contentsOf: utf8[boundary[start]..<boundary[end]])
                if let id = vocabulary.id(forBytes: candidate) { found = id; break }
                end -= 1
            }
            guard let id = found else {
                ids.append(unknownID); tokens.append(unknownToken)
                return
            }
            pieceIDs.append(id)
            start = end
        }
        for id in pieceIDs {
            ids.append(id); tokens.append(vocabulary.tokens[id])
        }
    }
}
