// Loading the encoder folder: a tiny BERT of the same layout loads and runs, with either key
// prefix; missing, truncated, corrupt or mismatched files give one-line errors naming them.

import Foundation
import TesseraTensor
import TesseraText
import TesseraWeights
import XCTest

final class EncoderLoadingTests: XCTestCase {
    private var folder: URL!

    /// A folder with the real tokenizer and sentence-transformers files, and a tiny
    /// `config.json` (hidden 8, 2 heads, 1 layer) whose weights each test writes.
    override func setUpWithError() throws {
        let source = try Fixtures.encoderDirectory()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-tiny-bert-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
        for name in ["vocab.txt", "tokenizer.json", "modules.json", "sentence_bert_config.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        try Data(#"{"word_embedding_dimension": 8, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": true, "pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false}"#.utf8)
            .write(to: folder.appendingPathComponent("1_Pooling/config.json"))
        try Data(#"{"model_type": "bert", "vocab_size": 30522, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16, "hidden_act": "gelu", "max_position_embeddings": 512, "type_vocab_size": 2, "layer_norm_eps": 1e-12, "position_embedding_type": "absolute"}"#.utf8)
            .write(to: folder.appendingPathComponent("config.json"))
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// The tiny model's tensors with their checkpoint keys and shapes.
    private func tinyTensors(prefix: String = "") -> [(String, [Int])] {
        var list: [(String, [Int])] = [
            ("embeddings.word_embeddings.weight", [30522, 8]), ("embeddings.position_embeddings.weight", [512, 8]),
            ("embeddings.token_type_embeddings.weight", [2, 8]), ("embeddings.LayerNorm.weight", [8]),
            ("embeddings.LayerNorm.bias", [8]),
        ]
        let layer = "encoder.layer.0."
        for name in ["query", "key", "value"] {
            list += [(layer + "attention.self.\(name).weight", [8, 8]), (layer + "attention.self.\(name).bias", [8])]
        }
        list += [
            (layer + "attention.output.dense.weight", [8, 8]), (layer + "attention.output.dense.bias", [8]),
            (layer + "attention.output.LayerNorm.weight", [8]), (layer + "attention.output.LayerNorm.bias", [8]),
            (layer + "intermediate.dense.weight", [16, 8]), (layer + "intermediate.dense.bias", [16]),
            (layer + "output.dense.weight", [8, 16]), (layer + "output.dense.bias", [8]),
            (layer + "output.LayerNorm.weight", [8]), (layer + "output.LayerNorm.bias", [8]),
            ("pooler.dense.weight", [8, 8]), ("pooler.dense.bias", [8]),
        ]
        return list.map { (prefix + $0.0, $0.1) }
    }

    private func writeWeights(_ tensors: [(String, [Int])]) throws {
        var writer = SafetensorsWriter()
        var seed: UInt64 = 1
        for (name, shape) in tensors {
            let values = (0..<Tensor.count(of: shape)).map { _ -> Float in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int64(bitPattern: seed >> 11) % 2001 - 1000) / 10_000
            }
            try writer.add(name, shape: shape, values: values)
        }
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))
    }

    private func assertOneLineError(_ body: @autoclosure () throws -> Any, mentions: [String],
                                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertFalse(message.contains("\n"), "not one line: \(message)", file: file, line: line)
            for part in mentions {
                XCTAssertTrue(message.contains(part), "\(message) does not mention \(part)", file: file, line: line)
            }
        }
    }

    // MARK: - Tests

    func testTinyModelLoadsWithEitherKeyPrefix() throws {
        for prefix in ["", "bert."] {
            try writeWeights(tinyTensors(prefix: prefix))
            let encoder = try PromptEncoder(directory: folder)
            let e = try encoder.encode("a red ball")
            XCTAssertEqual(e.ids, [101, 1037, 2417, 3608, 102])
            XCTAssertEqual(e.hiddenStates.shape, [5, 8])
            XCTAssertEqual(e.embedding.count, 8)
            XCTAssertTrue(e.hiddenStates.data.allSatisfy { $0.isFinite })
            XCTAssertEqual(Double(e.embedding.reduce(0) { $0 + $1 * $1 }), 1, accuracy: 1e-5)
        }
    }

    func testMissingFolderAndFilesSayHowToInstall() throws {
        let absent = folder.appendingPathComponent("nowhere")
        assertOneLineError(try PromptEncoder(directory: absent), mentions: [absent.path, "make setup"])
        try writeWeights(tinyTensors())
        for name in ["model.safetensors", "vocab.txt", "1_Pooling/config.json"] {
            let url = folder.appendingPathComponent(name)
            let saved = try Data(contentsOf: url)
            try FileManager.default.removeItem(at: url)
            assertOneLineError(try PromptEncoder(directory: folder), mentions: [url.path, "make setup"])
            try saved.write(to: url)
        }
    }

    func testTruncatedAndCorruptWeightsNameTheFile() throws {
        try writeWeights(tinyTensors())
        let url = folder.appendingPathComponent("model.safetensors")
        let full = try Data(contentsOf: url)
        try full.prefix(full.count - 100).write(to: url)
        assertOneLineError(try PromptEncoder(directory: folder), mentions: [url.path, "make setup"])
        try Data(repeating: 0xFF, count: 64).write(to: url)
        assertOneLineError(try PromptEncoder(directory: folder), mentions: [url.path])
    }

    func testMismatchedTensorsAreListedByKey() throws {
        var tensors = tinyTensors().filter { $0.0 != "encoder.layer.0.attention.self.key.bias" }
        tensors = tensors.map { $0.0 == "embeddings.LayerNorm.weight" ? ($0.0, [7]) : $0 }
        tensors.append(("encoder.layer.1.output.dense.weight", [8, 16]))
        try writeWeights(tensors)
        assertOneLineError(try PromptEncoder(directory: folder), mentions: [
            "encoder.layer.0.attention.self.key.bias", "embeddings.LayerNorm.weight", "[7]",
            "encoder.layer.1.output.dense.weight", "model.safetensors",
        ])
    }

    func testInvalidConfigNamesTheFile() throws {
        try writeWeights(tinyTensors())
        let config = folder.appendingPathComponent("config.json")
        try Data(#"{"model_type": "bert", "hidden_size": 8}"#.utf8).write(to: config)
        assertOneLineError(try PromptEncoder(directory: folder), mentions: [config.path, "vocab_size"])
        try Data(#"{"model_type": "bert", "vocab_size": 30522, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 3, "intermediate_size": 16, "hidden_act": "gelu", "max_position_embeddings": 512, "type_vocab_size": 2, "layer_norm_eps": 1e-12}"#.utf8).write(to: config)
        assertOneLineError(try PromptEncoder(directory: folder), mentions: [config.path, "num_attention_heads 3"])
    }
}
