// The prompt encoder: all-MiniLM-L6-v2 as sentence-transformers 6.2 runs it
// (`SentenceTransformer(dir).encode(prompt)` with modules Transformer → Pooling(mean) →
// Normalize), plus the per-token hidden states (`output_value="token_embeddings"`).
//
// sentence-transformers also strips leading and trailing whitespace before tokenizing; every
// character `str.strip()` removes is one the BERT normalizer drops or splits on anyway, so the
// ids are the same without it.

import Foundation
import TesseraTensor
import TesseraWeights

/// Turns prompts into token states and sentence embeddings. Immutable once loaded, so one
/// encoder may serve several threads.
public final class PromptEncoder: Sendable {
    /// `$TESSERA_HOME/text-encoders/all-MiniLM-L6-v2` (default `~/.cache/tessera/…`).
    public static var defaultDirectory: URL { TextEncoderFiles.defaultDirectory }

    /// Writes a warning line to standard error (the default for truncation warnings).
    public static let warnOnStandardError: @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data(("warning: " + message + "\n").utf8))
    }

    public let directory: URL
    public let tokenizer: BertTokenizer
    public let model: BertModel
    public let sentenceConfig: SentenceTransformerConfig
    private let warn: @Sendable (String) -> Void

    /// Width of the hidden states and of the embedding (384).
    public var hiddenSize: Int { model.config.hiddenSize }
    /// Token limit, `[CLS]` and `[SEP]` included (256, `max_seq_length`).
    public var maxSequenceLength: Int { sentenceConfig.maxSeqLength }

    /// Loads the encoder folder (`make setup` installs it). Missing files, unreadable or
    /// corrupt ones, and weights that do not match the config throw one-line errors that
    /// name the file. `warn` receives truncation warnings.
    public init(directory: URL = defaultDirectory,
                warn: @escaping @Sendable (String) -> Void = PromptEncoder.warnOnStandardError) throws {
        try TextEncoderFiles.check(directory)
        self.directory = directory
        self.warn = warn
        let configURL = directory.appendingPathComponent("config.json")
        let config = try BertConfig.load(configURL)
        sentenceConfig = try SentenceTransformerConfig.load(directory: directory)
        guard sentenceConfig.maxSeqLength <= config.maxPositionEmbeddings else {
            throw TextEncoderError.unsupportedConfig(
                path: directory.appendingPathComponent("sentence_bert_config.json").path,
                reason: "max_seq_length \(sentenceConfig.maxSeqLength) exceeds max_position_embeddings \(config.maxPositionEmbeddings)")
        }
        guard sentenceConfig.wordEmbeddingDimension == config.hiddenSize else {
            throw TextEncoderError.unsupportedConfig(
                path: directory.appendingPathComponent("1_Pooling/config.json").path,
                reason: "word_embedding_dimension \(sentenceConfig.wordEmbeddingDimension) differs from hidden_size \(config.hiddenSize)")
        }
        tokenizer = try BertTokenizer(directory: directory)
        guard tokenizer.wordPiece.vocabulary.count == config.vocabSize else {
            throw TextEncoderError.unsupportedConfig(
                path: directory.appendingPathComponent("vocab.txt").path,
                reason: "\(tokenizer.wordPiece.vocabulary.count) tokens, config.json says vocab_size \(config.vocabSize)")
        }
        let weightsURL = directory.appendingPathComponent("model.safetensors")
        do {
            model = try WeightStore.load(weightsURL) { store in
                // sentence-transformers' own exports store `embeddings.…`; a BertForXxx export `bert.embeddings.…`.
                let root: any WeightSource = store.entry("bert.embeddings.word_embeddings.weight") != nil ? store.scope("bert") : store
                return try BertModel(config: config, weights: root)
            }
        } catch let error as WeightStoreError {
            throw TextEncoderError.invalidWeights(message: error.description)
        } catch let error as SafetensorsError {
            throw TextEncoderError.invalidWeights(message: error.description)
        }
    }

    // MARK: - Encoding

    /// Tokenizes `prompt` as the encoder will, without running the model: truncated to
    /// `maxLength` tokens ([CLS] and [SEP] included), at most `maxSequenceLength`.
    public func tokenize(_ prompt: String, maxLength: Int? = nil) -> TokenizedText {
        tokenizer.encode(sentenceConfig.doLowerCase ? Self.lowercased(prompt) : prompt,
                         maxLength: min(max(2, maxLength ?? maxSequenceLength), maxSequenceLength))
    }

    /// Encodes one prompt. The empty prompt is valid: `[CLS] [SEP]`, the unconditional prompt.
    /// `maxLength`: see `encode(batch:maxLength:)`.
    public func encode(_ prompt: String, maxLength: Int? = nil) throws -> PromptEncoding {
        try encode(batch: [prompt], maxLength: maxLength)[0]
    }

    /// Encodes a prompt given as bytes (from a file or argv): invalid UTF-8 throws
    /// `TextEncoderError.invalidUTF8` with the offset of the first bad byte.
    public func encode<Bytes: Collection>(utf8Bytes: Bytes) throws -> PromptEncoding where Bytes.Element == UInt8 {
        try encode(UTF8Validation.decode(utf8Bytes))
    }

    /// Encodes several prompts in one pass: the sequences are packed one after another (no
    /// padding), so each result equals what `encode(_:)` gives for that prompt alone.
    /// `maxLength` truncates to fewer tokens than `maxSequenceLength` ([CLS] and [SEP]
    /// included; the kept tokens never attend to the dropped ones), as
    /// `tokenizer(prompt, truncation=True, max_length=maxLength)` followed by the model does.
    public func encode(batch prompts: [String], maxLength: Int? = nil) throws -> [PromptEncoding] {
        if prompts.isEmpty { return [] }
        let limit = min(max(2, maxLength ?? maxSequenceLength), maxSequenceLength)
        let tokenized = prompts.map { tokenize($0, maxLength: limit) }
        for t in tokenized where t.truncated {
            let reason = limit == maxSequenceLength ? "max_seq_length of \(TextEncoderFiles.modelName)" : "the requested maximum"
            warn("prompt of \(t.untruncatedLength) tokens truncated to \(limit) (\(reason)); \(t.untruncatedLength - limit) tokens at its end are ignored")
        }
        let lengths = tokenized.map(\.ids.count)
        let states = model(ids: tokenized.flatMap(\.ids), lengths: lengths)   // (Σ L, H)
        let h = hiddenSize
        var results: [PromptEncoding] = []
        results.reserveCapacity(prompts.count)
        var offset = 0
        for (t, length) in zip(tokenized, lengths) {
            let rows = Array(states.data[(offset * h)..<((offset + length) * h)])
            let hidden = Tensor(shape: [length, h], data: rows)               // (L, H)
            results.append(PromptEncoding(
                ids: t.ids, tokens: t.tokens, hiddenStates: hidden,
                embedding: Self.sentenceEmbedding(hidden, normalize: sentenceConfig.normalize),
                truncated: t.truncated, untruncatedLength: t.untruncatedLength))
            offset += length
        }
        return results
    }

    // MARK: - Pooling

    /// Mean over the tokens (all of them: no padding), then x / max(‖x‖₂, 1e-12) when
    /// `normalize`, as sentence-transformers' Pooling(mean) and Normalize
    /// (`torch.nn.functional.normalize`). Sums in Double.
    public static func sentenceEmbedding(_ hidden: Tensor, normalize: Bool) -> [Float] {
        let length = hidden.dim(0), h = hidden.dim(1)
        var sum = [Double](repeating: 0, count: h)
        hidden.withUnsafeBufferPointer { p in
            for r in 0..<length {
                for c in 0..<h { sum[c] += Double(p[r * h + c]) }
            }
        }
        let count = Double(max(length, 1))
        var mean = sum.map { $0 / count }
        if normalize {
            let norm = max(mean.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            mean = mean.map { $0 / norm }
        }
        return mean.map { Float($0) }
    }

    /// Per-scalar full lowercase mapping (sentence-transformers' `do_lower_case`, Python's
    /// `str.lower()`, except for its final-sigma context rule).
    static func lowercased(_ text: String) -> String {
        var view = String.UnicodeScalarView()
        for s in text.unicodeScalars { view.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars) }
        return String(view)
    }
}
