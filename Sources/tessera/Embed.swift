// `tessera embed`: a prompt's token ids, tokens and pooled sentence embedding, as the prompt
// encoder (all-MiniLM-L6-v2) computes them. Users debug prompts with it; tests use it.

import ArgumentParser
import Foundation
import TesseraText

struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how the prompt encoder tokenizes and embeds a prompt.",
        discussion: """
            Prints the prompt's tokens and ids ([CLS] … [SEP], at most 256 tokens: longer prompts \
            are truncated with a warning) and its 384-dimensional sentence embedding (mean of the \
            token states, L2-normalised, as sentence-transformers computes it). With --json, prints \
            {"ids": [...], "tokens": [...], "embedding": [...], "truncated": …, \
            "untruncated_length": …} and, with --hidden-states, the (tokens × 384) states too. \
            The empty prompt is valid: it is the unconditional prompt. A prompt that is not valid \
            UTF-8 is rejected with the position of the first bad byte.

            Examples:
              tessera embed "a red ball bouncing on a grass field"
              tessera embed "a red ball" --json
              tessera embed --file prompt.txt --json --hidden-states
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The prompt (omit it with --file).")
    var prompt: String?

    @Option(help: "Read the prompt from this file (its whole content, UTF-8; `-` for standard input).")
    var file: String?

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(name: .customLong("hidden-states"), help: "With --json, also print the per-token hidden states.")
    var hiddenStates = false

    @Option(help: "Prompt encoder folder (default: $TESSERA_HOME/text-encoders/all-MiniLM-L6-v2).")
    var encoder: String?

    func validate() throws {
        if prompt != nil && file != nil { throw ValidationError("Give the prompt or --file, not both.") }
        if prompt == nil && file == nil { throw ValidationError("Give a prompt (\"\" for the empty prompt) or --file.") }
        if hiddenStates && !json { throw ValidationError("--hidden-states needs --json.") }
    }

    func run() throws {
        try global.apply()
        let bytes = try promptBytes()
        let encoder = try PromptEncoder(directory: self.encoder.map { URL(fileURLWithPath: $0) } ?? PromptEncoder.defaultDirectory)
        let encoding = try encoder.encode(utf8Bytes: bytes)
        print(json ? jsonText(encoding) : text(encoding))
    }

    // MARK: - Input

    /// The prompt's bytes exactly as given: the file's content, or the argv entry before
    /// Swift's decoding replaced invalid UTF-8 with U+FFFD.
    private func promptBytes() throws -> [UInt8] {
        if let file {
            if file == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("Cannot read the prompt file \(file).")
            }
            return [UInt8](data)
        }
        let prompt = prompt ?? ""
        if prompt.unicodeScalars.contains("\u{FFFD}") {
            for i in 1..<Int(CommandLine.argc) {
                guard let raw = CommandLine.unsafeArgv[i] else { continue }
                let bytes = [UInt8](UnsafeBufferPointer(start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self),
                                                        count: strlen(raw)))
                if String(decoding: bytes, as: UTF8.self) == prompt { return bytes }
            }
        }
        return Array(prompt.utf8)
    }

    // MARK: - Output

    private func text(_ e: PromptEncoding) -> String {
        var lines = ["tokens: \(e.ids.count)\(e.truncated ? " (truncated from \(e.untruncatedLength))" : "")"]
        let width = max(5, e.ids.map { String($0).count }.max() ?? 0)
        for (i, (id, token)) in zip(e.ids, e.tokens).enumerated() {
            lines.append(String(format: "%5d  %\(width)d  ", i, id) + token)
        }
        lines.append("embedding (\(e.embedding.count), mean of token states, L2-normalised):")
        for start in stride(from: 0, to: e.embedding.count, by: 8) {
            lines.append(e.embedding[start..<min(start + 8, e.embedding.count)]
                .map { String(format: "%10.6f", $0) }.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }

    /// Keys in the order the issue gives them; floats printed with enough digits to round-trip.
    private func jsonText(_ e: PromptEncoding) -> String {
        func string(_ s: String) -> String {
            String(decoding: (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
        }
        func floats<S: Sequence>(_ values: S) -> String where S.Element == Float {
            "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
        }
        var members = [
            "\"ids\": [" + e.ids.map(String.init).joined(separator: ", ") + "]",
            "\"tokens\": [" + e.tokens.map(string).joined(separator: ", ") + "]",
            "\"embedding\": " + floats(e.embedding),
            "\"truncated\": \(e.truncated)",
            "\"untruncated_length\": \(e.untruncatedLength)",
            "\"model\": " + string(TextEncoderFiles.modelName),
        ]
        if hiddenStates {
            let h = e.hiddenStates.dim(1)
            let rows = (0..<e.hiddenStates.dim(0)).map { floats(e.hiddenStates.data[($0 * h)..<(($0 + 1) * h)]) }
            members.append("\"hidden_states\": [" + rows.joined(separator: ", ") + "]")
        }
        return "{" + members.joined(separator: ", ") + "}"
    }
}
