// all-MiniLM-L6-v2 (TesseraText's PromptEncoder) as the pipeline's prompt-state encoder:
// tokenized with truncation to the model's `max_length` (transformers' BertTokenizer with
// truncation=True: [CLS], the first N−2 pieces, [SEP]) and run on the kept tokens only.

import Foundation
import TesseraTensor
import TesseraText

// MARK: - MiniLMPromptStates

/// Token states from the installed all-MiniLM-L6-v2.
public final class MiniLMPromptStates: PromptStateEncoder, @unchecked Sendable {
    public let encoder: PromptEncoder
    public var name: String { TextEncoderFiles.modelName }
    public var hiddenSize: Int { encoder.hiddenSize }

    /// Loads the encoder from `directory` (default `$TESSERA_HOME/text-encoders/all-MiniLM-L6-v2`,
    /// installed by `make setup`).
    /// `$TESSERA_HOME/text-encoders/all-MiniLM-L6-v2`.
    public static var defaultDirectory: URL { PromptEncoder.defaultDirectory }

    public init(directory: URL = PromptEncoder.defaultDirectory) throws {
        // Truncation is reported by the pipeline (against the model's max_length), not here.
        encoder = try PromptEncoder(directory: directory, warn: { _ in })
    }

    public func tokenStates(_ prompt: String, maxLength: Int) throws -> (states: Tensor, truncated: Bool) {
        let text = encoder.sentenceConfig.doLowerCase ? Self.lowercased(prompt) : prompt
        let limit = min(maxLength, encoder.maxSequenceLength)
        let tokens = encoder.tokenizer.encode(text, maxLength: limit)
        let states = encoder.model(ids: tokens.ids, lengths: [tokens.ids.count])  // (L, hidden)
        return (Tensor(shape: [tokens.ids.count, hiddenSize], data: states.data), tokens.truncated)
    }

    /// sentence-transformers' `do_lower_case` (Python's `str.lower()`, per scalar).
    static func lowercased(_ text: String) -> String {
        var view = String.UnicodeScalarView()
        for s in text.unicodeScalars { view.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars) }
        return String(view)
    }
}
