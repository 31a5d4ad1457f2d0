// The WordPiece vocabulary of a BERT tokenizer, read from `vocab.txt` (one token per line, the
// line number is the id), as `tokenizers/src/models/wordpiece/mod.rs` (`WordPiece::read_file`)
// reads it. Tokens are compared as UTF-8 bytes: Swift `String` equality is canonical
// equivalence, which would match a decomposed Hangul word against a precomposed vocabulary entry
// where the reference does not.

import Foundation

/// Token ↔ id tables, keyed by the token's exact UTF-8 bytes.
public struct WordPieceVocabulary: Sendable {
    /// Token text by id.
    public let tokens: [String]
    private let ids: [[UInt8]: Int]

    /// Reads `vocab.txt`; a missing or empty file is an error naming it.
    public init(contentsOf url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TextEncoderError.missingFile(path: url.path)
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TextEncoderError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Array($0) }
        if lines.last?.isEmpty == true { lines.removeLast() }  // the final newline ends a line, it does not start one
        lines = lines.map { $0.last == UInt8(ascii: "\r") ? Array($0.dropLast()) : $0 }
        guard !lines.isEmpty else {
            throw TextEncoderError.unreadableFile(path: url.path, reason: "empty vocabulary")
        }
        try self.init(tokenBytes: lines, path: url.path)
    }

    /// A vocabulary from token byte strings in id order.
    public init(tokenBytes: [[UInt8]], path: String = "<memory>") throws {
        var ids: [[UInt8]: Int] = [:]
        ids.reserveCapacity(tokenBytes.count)
        var tokens: [String] = []
        tokens.reserveCapacity(tokenBytes.count)
        for (id, bytes) in tokenBytes.enumerated() {
            if let offset = UTF8Validation.firstInvalidByteOffset(bytes) {
                throw TextEncoderError.unreadableFile(path: path, reason: "line \(id + 1) is not valid UTF-8 (byte \(offset))")
            }
            let text = String(decoding: bytes, as: UTF8.self)
            // A duplicate line keeps its first id, as a Python dict built line by line would not;
            // the reference vocabularies have none, so refuse rather than guess.
            if ids[bytes] != nil {
                throw TextEncoderError.unreadableFile(path: path, reason: "token \"\(text)\" appears twice (line \(id + 1))")
            }
            ids[bytes] = id
            tokens.append(text)
        }
        self.ids = ids
        self.tokens = tokens
    }

    /// Number of tokens.
    public var count: Int { tokens.count }

    /// The id of the token whose UTF-8 bytes are `bytes`.
    @inline(__always)
    public func id(forBytes bytes: [UInt8]) -> Int? { ids[bytes] }

    /// The id of `token` (compared by UTF-8 bytes).
    public func id(for token: String) -> Int? { ids[Array(token.utf8)] }
}
