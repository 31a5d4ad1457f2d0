// Port of the `BertNormalizer` of Hugging Face tokenizers 0.23.3 (`tokenizers/src/normalizers/bert.rs`),
// the normalizer that `BertTokenizer` (transformers 5, backed by tokenizers) runs for
// all-MiniLM-L6-v2: clean text, pad CJK ideographs with spaces, strip accents, lowercase,
// in that order. It works on Unicode scalars, never on Swift `Character`s or `String`
// comparison, whose canonical equivalence would merge strings the reference keeps apart.

import Foundation

/// BERT's text normalizer (the `normalizer` section of `tokenizer.json`).
public struct BertNormalizer: Sendable, Equatable {
    /// Drop U+0000, U+FFFD and control/format/private-use characters; map whitespace to a space.
    public var cleanText: Bool
    /// Surround each CJK ideograph with spaces so that it becomes a word of its own.
    public var handleChineseChars: Bool
    /// Decompose (NFD) and drop non-spacing marks (category Mn). `nil`: follow `lowercase`.
    public var stripAccents: Bool?
    /// Map every scalar to its full (not context-sensitive) lowercase mapping.
    public var lowercase: Bool

    public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents
        self.lowercase = lowercase
    }

    // MARK: - Normalization

    /// Normalizes `scalars` as the reference does: clean, CJK padding, NFD + drop Mn, lowercase.
    public func normalize(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count + 8)
        for s in scalars {
            if cleanText {
                if s.value == 0 || s.value == 0xFFFD || Self.isControl(s) { continue }
                if Self.isWhitespace(s) {
                    out.append(" ")
                    continue
                }
            }
            if handleChineseChars && Self.isChineseChar(s) {
                out.append(" ")
                out.append(s)
                out.append(" ")
            } else {
                out.append(s)
            }
        }
        if stripAccents ?? lowercase {
            out = Self.canonicalDecomposition(out).filter { !Self.isNonspacingMark($0) }
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(out.count)
            for s in out {
                // ASCII fast path; otherwise the full lowercase mapping (may be several scalars).
                if s.value < 0x80 {
                    lowered.append(s.value >= 0x41 && s.value <= 0x5A ? Unicode.Scalar(s.value + 32)! : s)
                } else {
                    lowered.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
                }
            }
            out = lowered
        }
        return out
    }

    /// NFD of a scalar sequence. ASCII runs pass through untouched (they are their own NFD).
    static func canonicalDecomposition(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if scalars.allSatisfy({ $0.value < 0xC0 }) { return scalars }  // nothing below U+00C0 decomposes
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count + 8)
        var run = String.UnicodeScalarView()
        func flush() {
            guard !run.isEmpty else { return }
            out.append(contentsOf: String(run).decomposedStringWithCanonicalMapping.unicodeScalars)
            run = String.UnicodeScalarView()
        }
        for s in scalars {
            if notDecomposedByReference.contains(s.value) {
                flush()
                out.append(s)
            } else {
                run.append(s)
            }
        }
        flush()
        return out
    }

    // MARK: - Character classes (bert.rs)

    /// `is_whitespace`: tab, newline, carriage return, or the Unicode White_Space property.
    @inline(__always)
    public static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == "\t" || s == "\n" || s == "\r" || s.properties.isWhitespace
    }

    /// `is_control`: categories Cc, Cf, Co, Cs, except tab, newline and carriage return (counted
    /// as whitespace). Unassigned code points (Cn) are kept, as the reference keeps them.
    @inline(__always)
    public static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch referenceCategory(s) {
        case .control?, .format?, .privateUse?, .surrogate?: return true
        default: return false
        }
    }

    /// Category Mn, the marks `strip_accents` drops after NFD.
    @inline(__always)
    public static func isNonspacingMark(_ s: Unicode.Scalar) -> Bool {
        referenceCategory(s) == .nonspacingMark
    }

    // MARK: - The reference's Unicode tables

    /// The general category of `s` as the reference sees it, nil for unassigned. The reference
    /// classifies with the `unicode_categories` crate, whose tables are those of Unicode 8.0
    /// (measured: every scalar assigned later, and only those, is classified as unassigned): a
    /// scalar assigned after 8.0 is Cn there, so it is neither dropped, nor stripped, nor
    /// punctuation. Whitespace, NFD and lowercase come from newer tables (Rust's std and
    /// unicode-normalization); `Tests/TesseraTextTests` checks every code point against them.
    @inline(__always)
    static func referenceCategory(_ s: Unicode.Scalar) -> Unicode.GeneralCategory? {
        if s.value < 0x0370 { return s.properties.generalCategory }  // Latin, IPA, diacritics: all older
        guard let age = s.properties.age, age.major < 8 || (age.major == 8 && age.minor == 0) else { return nil }
        return categoryChangedSince8[s.value] ?? s.properties.generalCategory
    }

    /// Scalars whose Unicode 8.0 category differs from today's.
    private static let categoryChangedSince8: [UInt32: Unicode.GeneralCategory] = [
        0x166D: .otherPunctuation,   // CANADIAN SYLLABICS CHI SIGN, So since 12.0
        0x1734: .nonspacingMark,     // HANUNOO SIGN PAMUDPOD, Mc since 14.0
        0x1885: .otherLetter,        // MONGOLIAN LETTER ALI GALI BALUDA, Mn since 9.0
        0x1886: .otherLetter,        // MONGOLIAN LETTER ALI GALI THREE BALUDA, Mn since 9.0
        0xA9BD: .spacingMark,        // JAVANESE CONSONANT SIGN KERET, Mn since 12.0
        0x111C9: .otherPunctuation,  // SHARADA SANDHI MARK, Mn since 11.0
        0x1171E: .nonspacingMark,    // AHOM CONSONANT SIGN MEDIAL RA, Mc since 14.0
    ]

    /// Scalars the reference's NFD (unicode-normalization, tables older than Unicode 13.0) leaves
    /// whole although Foundation decomposes them.
    private static let notDecomposedByReference: Set<UInt32> = [
        0x11938,  // DIVES AKURU VOWEL SIGN O (13.0) = U+11935 U+11930
    ]

    /// `is_chinese_char`: the CJK Unified Ideographs blocks and extensions, as bert.rs lists them
    /// (note 0x2B920, not 0x2B820, where the Python BasicTokenizer says 0x2B820).
    @inline(__always)
    public static func isChineseChar(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
