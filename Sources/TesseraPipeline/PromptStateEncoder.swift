// The prompt encoder as the pipeline sees it: text in, token states out, truncated to the
// length the transformer was trained with (text_encoder/tessera.json).

import TesseraTensor

// MARK: - PromptStateEncoder

/// Token states of a prompt, as `PromptEncoderSpec` defines them.
public protocol PromptStateEncoder {
    /// The encoder's name (`all-MiniLM-L6-v2`), checked against the model's note.
    var name: String { get }
    /// Width of the token states.
    var hiddenSize: Int { get }

    /// Last hidden states (L, hiddenSize) of `prompt` tokenized to at most `maxLength` tokens,
    /// special tokens included (the encoder runs on the kept tokens only), and whether words
    /// were dropped to fit.
    func tokenStates(_ prompt: String, maxLength: Int) throws -> (states: Tensor, truncated: Bool)
}
