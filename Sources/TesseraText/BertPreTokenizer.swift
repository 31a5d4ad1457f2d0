// Port of `BertPreTokenizer` of Hugging Face tokenizers 0.23.3
// (`tokenizers/src/pre_tokenizers/bert.rs`): split on whitespace (removed), then isolate every
// punctuation character as a word of its own.

/// Splits normalized text into words for WordPiece.
public enum BertPreTokenizer {
    /// The words of `scalars`, in order.
    public static func split(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for s in scalars {
            if s.properties.isWhitespace {
                if !current.isEmpty { words.append(current); current.removeAll(keepingCapacity: true) }
            } else if isPunctuation(s) {
                if !current.isEmpty { words.append(current); current.removeAll(keepingCapacity: true) }
                words.append([s])
            } else {
                current.append(s)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// `is_bert_punc`: ASCII punctuation (33-47, 58-64, 91-96, 123-126) or Unicode category P*
    /// (in the reference's Unicode 8.0 tables, see `BertNormalizer.referenceCategory`).
    @inline(__always)
    public static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        case 0..<128: return false
        default:
            switch BertNormalizer.referenceCategory(s) {
            case .connectorPunctuation?, .dashPunctuation?, .openPunctuation?, .closePunctuation?,
                 .initialPunctuation?, .finalPunctuation?, .otherPunctuation?:
                return true
            default:
                return false
            }
        }
    }
}
