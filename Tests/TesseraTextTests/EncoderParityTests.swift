// MiniLM encoder parity with sentence-transformers 6.2 (hidden states = `token_embeddings`,
// embedding = `encode()`), on every fixture prompt.
// Fixtures made by: python3 scripts/fixtures/minilm.py

import Foundation
import TesseraTensor
import TesseraText
import TesseraWeights
import XCTest

final class EncoderParityTests: XCTestCase {
    static let encoderResult: Result<PromptEncoder, Error> = Result {
        try PromptEncoder(directory: TextEncoderFiles.defaultDirectory, warn: { _ in })
    }

    static func encoder() throws -> PromptEncoder {
        _ = try Fixtures.encoderDirectory()
        return try encoderResult.get()
    }

    /// Ids, hidden states (max abs error ≤ 1e-4) and pooled embeddings (cosine ≥ 0.99999) for
    /// all prompts, encoded as one packed batch.
    func testHiddenStatesAndEmbeddingsMatchSentenceTransformers() throws {
        let encoder = try Self.encoder()
        let file = try Fixtures.prompts()
        let states = try SafetensorsFile(url: Fixtures.directory.appendingPathComponent("states.safetensors"))
        let encodings = try encoder.encode(batch: file.prompts.map(\.prompt))
        var worstHidden: Float = 0, worstCosine: Double = 1
        for (i, (p, e)) in zip(file.prompts, encodings).enumerated() {
            XCTAssertEqual(e.ids, p.ids, "prompt \(i): ids")
            XCTAssertEqual(e.hiddenStates.shape, [p.ids.count, 384], "prompt \(i): hidden shape")
            let reference = try states.tensor("hidden.\(i)")
            XCTAssertEqual(reference.shape, [p.rows.count, 384])
            for (k, row) in p.rows.enumerated() where row < e.hiddenStates.dim(0) {
                for c in 0..<384 {
                    let diff = abs(e.hiddenStates.data[row * 384 + c] - reference.data[k * 384 + c])
                    worstHidden = max(worstHidden, diff)
                    if diff > 1e-4 {
                        XCTFail("prompt \(i) row \(row) channel \(c): \(e.hiddenStates.data[row * 384 + c]) vs \(reference.data[k * 384 + c])")
                        break
                    }
                }
            }
            let embedding = try states.floats("embedding.\(i)")
            let cosine = Self.cosine(e.embedding, embedding)
            worstCosine = min(worstCosine, cosine)
            XCTAssertGreaterThanOrEqual(cosine, 0.99999, "prompt \(i): embedding cosine")
            let norm = e.embedding.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            XCTAssertEqual(norm, 1, accuracy: 1e-5, "prompt \(i): embedding norm")
        }
        print("MiniLM parity over \(file.prompts.count) prompts: hidden max abs error \(worstHidden), embedding min cosine \(worstCosine)")
    }

    /// A prompt alone gives what it gives inside a batch (packing has no cross-talk).
    func testBatchEqualsSingle() throws {
        let encoder = try Self.encoder()
        let prompts = ["a red ball bouncing on a grass field", "", "Crème brûlée 🚀 一只猫",
                       Array(repeating: "cat", count: 300).joined(separator: " ")]
        let batch = try encoder.encode(batch: prompts)
        for (prompt, b) in zip(prompts, batch) {
            let single = try encoder.encode(prompt)
            XCTAssertEqual(single.ids, b.ids)
            let diff = zip(single.hiddenStates.data, b.hiddenStates.data).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(diff, 1e-5, prompt)
        }
        XCTAssertEqual(batch[1].ids, [101, 102])
        XCTAssertEqual(batch[1].hiddenStates.shape, [2, 384])
        XCTAssertTrue(batch[3].truncated)
        XCTAssertEqual(batch[3].hiddenStates.shape, [256, 384])
    }

    /// Truncation warns once per truncated prompt, naming the lengths.
    func testTruncationWarns() throws {
        _ = try Fixtures.encoderDirectory()
        final class Box: @unchecked Sendable { var messages: [String] = [] }
        let box = Box()
        let encoder = try PromptEncoder(warn: { box.messages.append($0) })
        _ = try encoder.encode("short prompt")
        XCTAssertEqual(box.messages, [])
        let e = try encoder.encode(Array(repeating: "cat", count: 300).joined(separator: " "))
        XCTAssertTrue(e.truncated)
        XCTAssertEqual(box.messages.count, 1)
        XCTAssertTrue(box.messages[0].contains("302") && box.messages[0].contains("256"), box.messages[0])
    }

    /// A shorter limit keeps [CLS], the first pieces and [SEP], and runs the model on those only.
    func testShorterMaxLengthTruncatesBeforeTheModel() throws {
        let encoder = try Self.encoder()
        let prompt = "a red ball bouncing on a grass field"
        let short = try encoder.encode(prompt, maxLength: 5)
        XCTAssertEqual(short.ids, [101, 1037, 2417, 3608, 102])
        XCTAssertTrue(short.truncated)
        let alone = try encoder.encode("a red ball")
        XCTAssertEqual(short.ids, alone.ids)
        let diff = zip(short.hiddenStates.data, alone.hiddenStates.data).map { abs($0 - $1) }.max() ?? 1
        XCTAssertLessThanOrEqual(diff, 1e-6)
        XCTAssertEqual(try encoder.encode(prompt, maxLength: 1000).ids, try encoder.encode(prompt).ids)
    }

    func testInvalidUTF8BytesAreRejected() throws {
        let encoder = try Self.encoder()
        XCTAssertThrowsError(try encoder.encode(utf8Bytes: Array("a red ".utf8) + [0xC3, 0x28])) { error in
            XCTAssertEqual(error as? TextEncoderError, .invalidUTF8(byteOffset: 6))
        }
        let ok = try encoder.encode(utf8Bytes: Array("crème".utf8))
        XCTAssertEqual(ok.tokens, ["[CLS]", "cr", "##eme", "[SEP]"])
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) { dot += Double(x) * Double(y); na += Double(x) * Double(x); nb += Double(y) * Double(y) }
        return dot / max((na * nb).squareRoot(), 1e-30)
    }
}
