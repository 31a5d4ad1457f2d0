// Strict loading: every missing, unexpected, wrong-shape and wrong-dtype tensor is reported
// at once, naming the file; scopes; sharded checkpoints.
//
// Sharded fixture: `python3 scripts/fixtures/safetensors_files.py` wrote
// Tests/Fixtures/safetensors/sharded/ (index + two shards + expected.json).

import Foundation
import TesseraTensor
import TesseraWeights
import XCTest

final class WeightStoreTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryFolder()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A small checkpoint: two blocks of a toy model plus an integer buffer.
    private func writeCheckpoint(_ name: String = "diffusion_pytorch_model.safetensors") throws -> URL {
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        for b in 0..<2 {
            try writer.add("blocks.\(b).attn1.to_q.weight", Tensor(repeating: Float(b + 1), shape: [4, 4]), as: .bf16)
            try writer.add("blocks.\(b).attn1.to_q.bias", Tensor(repeating: 0.5, shape: [4]))
            try writer.add("blocks.\(b).norm.weight", Tensor(repeating: 1, shape: [4]), as: .f16)
        }
        try writer.add("proj_out.weight", Tensor(repeating: 2, shape: [3, 4]))
        try writer.add("position_ids", dtype: .i64, shape: [2], bytes: [UInt8](repeating: 0, count: 16))
        let url = folder.appendingPathComponent(name)
        try writer.write(to: url)
        return url
    }

    func testAMatchingModelLoadsAndFinishes() throws {
        let url = try writeCheckpoint()
        let weights = try WeightStore.load(folder) { store -> [Tensor] in
            var out: [Tensor] = []
            for b in 0..<2 {
                let block = store.scope("blocks").scope("\(b)")
                out.append(try block.scope("attn1").take("to_q.weight", shape: [4, 4]))
                out.append(try block.take("attn1.to_q.bias", shape: [4]))
                out.append(try block.take("norm.weight", shape: [4]))
            }
            out.append(try store.take("proj_out.weight", shape: [3, 4]))
            store.ignore("position_ids")
            return out
        }
        XCTAssertEqual(weights.count, 7)
        XCTAssertEqual(weights[3].data, [Float](repeating: 2, count: 16))  // blocks.1.attn1.to_q.weight, from BF16
        XCTAssertEqual(weights[6].shape, [3, 4])
        XCTAssertEqual(try WeightStore(url: url).keys.count, 8)
    }

    func testFinishListsEveryProblemAtOnce() throws {
        let url = try writeCheckpoint()
        let store = try WeightStore(url: url)
        // Missing key: zeros of the expected shape stand in.
        let missing = try store.scope("blocks.0").take("attn1.to_k.weight", shape: [4, 4])
        XCTAssertEqual(missing, Tensor(zeros: [4, 4]))
        // Wrong shape.
        _ = try store.take("proj_out.weight", shape: [4, 3])
        // Integer tensor where weights are expected.
        _ = try store.take("position_ids", shape: [2])
        // Taken correctly.
        _ = try store.take("blocks.0.attn1.to_q.weight", shape: [4, 4])
        store.ignore(prefix: "blocks.1")

        XCTAssertThrowsError(try store.finish()) { error in
            guard let error = error as? WeightStoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.source, url.path)
            XCTAssertEqual(error.missing, [.missing(key: "blocks.0.attn1.to_k.weight", expectedShape: [4, 4])])
            XCTAssertEqual(error.wrongShape, [.wrongShape(key: "proj_out.weight", expected: [4, 3], found: [3, 4], file: url.lastPathComponent)])
            XCTAssertEqual(error.wrongDType, [.wrongDType(key: "position_ids", dtype: .i64, file: url.lastPathComponent)])
            XCTAssertEqual(error.unexpected, [
                .unexpected(key: "blocks.0.attn1.to_q.bias", dtype: .f32, shape: [4], file: url.lastPathComponent),
                .unexpected(key: "blocks.0.norm.weight", dtype: .f16, shape: [4], file: url.lastPathComponent),
            ])
            let text = error.description
            XCTAssertFalse(text.contains("\n"))
            XCTAssertTrue(text.hasPrefix("WeightStoreError: \(url.path): checkpoint does not match the model ("), text)
            XCTAssertTrue(text.contains("1 missing: blocks.0.attn1.to_k.weight [4, 4]"), text)
            XCTAssertTrue(text.contains("1 wrong shape: proj_out.weight expected [4, 3], found [3, 4] in diffusion_pytorch_model.safetensors"), text)
            XCTAssertTrue(text.contains("1 wrong dtype: position_ids is I64 in diffusion_pytorch_model.safetensors"), text)
            XCTAssertTrue(text.contains("2 unexpected: blocks.0.attn1.to_q.bias (F32 [4] in diffusion_pytorch_model.safetensors)"), text)
            XCTAssertEqual(error.report.split(separator: "\n").count, 6)
        }
        // The result is final, and the store is closed.
        XCTAssertThrowsError(try store.finish())
        XCTAssertThrowsError(try store.take("proj_out.weight", shape: [3, 4])) { error in
            XCTAssertEqual((error as? WeightStoreError)?.problems, [.takenAfterFinish(key: "proj_out.weight")])
        }
    }

    func testUnexpectedTensorsAloneFail() throws {
        let url = try writeCheckpoint()
        XCTAssertThrowsError(try WeightStore.load(url) { store in
            _ = try store.take("proj_out.weight", shape: [3, 4])
        }) { error in
            XCTAssertEqual((error as? WeightStoreError)?.unexpected.count, 7)
            XCTAssertTrue("\(error)".contains("7 unexpected: blocks.0.attn1.to_q.bias"), "\(error)")
        }
    }

    func testLongListsAreShortenedInTheOneLineMessage() throws {
        let store = try WeightStore(url: writeCheckpoint())
        store.ignore(prefix: "")  // only the missing keys matter here
        for i in 0..<20 { _ = try store.take("missing.\(i)", shape: [1]) }
        XCTAssertThrowsError(try store.finish()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("20 missing: missing.0 [1], "), text)
            XCTAssertTrue(text.contains("… and 12 more"), text)
            XCTAssertEqual((error as? WeightStoreError)?.missing.count, 20)
        }
    }

    func testOptionalTensorsAndIgnoredPrefixes() throws {
        let store = try WeightStore(url: writeCheckpoint())
        XCTAssertNil(try store.takeIfPresent("blocks.0.attn1.to_k.bias", shape: [4]))
        XCTAssertEqual(try store.takeIfPresent("blocks.0.attn1.to_q.bias", shape: [4])?.data, [0.5, 0.5, 0.5, 0.5])
        XCTAssertTrue(store.scope("blocks.1").contains("norm.weight"))
        XCTAssertEqual(store.scope("blocks.1.attn1").shape(of: "to_q.weight"), [4, 4])
        // "blocks" ignores blocks.* but a prefix is matched per key component: "proj" does not ignore "proj_out".
        store.ignore(prefix: "blocks")
        store.ignore(prefix: "proj")
        store.ignore("position_ids")
        XCTAssertThrowsError(try store.finish()) { error in
            XCTAssertEqual((error as? WeightStoreError)?.problems,
                           [.unexpected(key: "proj_out.weight", dtype: .f32, shape: [3, 4], file: "diffusion_pytorch_model.safetensors")])
        }
    }

    func testShardedCheckpoint() throws {
        struct Expected: Decodable { var shape: [Int]; var f32_bits: [UInt32] }
        let index = Fixtures.safetensors("sharded/model.safetensors.index.json")
        let expected = try JSONDecoder().decode([String: Expected].self,
                                                from: Data(contentsOf: Fixtures.safetensors("sharded/expected.json")))
        // Opened through the folder, which finds the index.
        let store = try WeightStore(url: index.deletingLastPathComponent())
        XCTAssertEqual(store.files.count, 2)
        XCTAssertEqual(store.keys, expected.keys.sorted())
        for (key, want) in expected {
            XCTAssertEqual(try store.take(key, shape: want.shape).data.map(\.bitPattern), want.f32_bits, key)
        }
        XCTAssertNoThrow(try store.finish())
        // A wrong shape in a shard names that shard.
        let again = try WeightStore(url: index)
        _ = try again.take("head.weight", shape: [3, 2])
        again.ignore(prefix: "embed"); again.ignore(prefix: "blocks")
        XCTAssertThrowsError(try again.finish()) { error in
            XCTAssertEqual((error as? WeightStoreError)?.problems,
                           [.wrongShape(key: "head.weight", expected: [3, 2], found: [2, 3], file: "model-00002-of-00002.safetensors")])
        }
    }

    func testShardIndexMustMatchItsShards() throws {
        let source = Fixtures.safetensors("sharded")
        for shard in ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(shard), to: folder.appendingPathComponent(shard))
        }
        let index = folder.appendingPathComponent("model.safetensors.index.json")
        func check(_ json: String, _ fragment: String, line: UInt = #line) {
            try? FileManager.default.removeItem(at: index)
            XCTAssertTrue(FileManager.default.createFile(atPath: index.path, contents: Data(json.utf8)))
            XCTAssertThrowsError(try WeightStore(url: index), line: line) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(error)", line: line)
                XCTAssertFalse("\(error)".contains("\n"), line: line)
            }
        }
        let s1 = "model-00001-of-00002.safetensors", s2 = "model-00002-of-00002.safetensors"
        // A key in the wrong shard, a key no shard holds, a tensor the index omits.
        check(#"{"weight_map":{"embed.weight":"\#(s2)","blocks.0.norm.weight":"\#(s1)","blocks.1.norm.weight":"\#(s2)","head.weight":"\#(s2)"}}"#,
              "embed.weight is listed in \(s2) but stored in \(s1)")
        check(#"{"weight_map":{"ghost":"\#(s1)","embed.weight":"\#(s1)","blocks.0.norm.weight":"\#(s1)","blocks.1.norm.weight":"\#(s2)","head.weight":"\#(s2)"}}"#,
              "ghost is listed in \(s1) but that shard does not hold it")
        check(#"{"weight_map":{"embed.weight":"\#(s1)","blocks.0.norm.weight":"\#(s1)","blocks.1.norm.weight":"\#(s2)"}}"#,
              "head.weight is in \(s2) but not in the index")
        check(#"{"weight_map":{"embed.weight":"\#(s1)","embed.weight":"\#(s1)"}}"#, "duplicate key \"embed.weight\"")
        check(#"{"weight_map":{"embed.weight":"../\#(s1)"}}"#, "is not a file name inside the checkpoint folder")
        check(#"{"metadata":{}}"#, "no \"weight_map\" object")
        check(#"{"weight_map":{"embed.weight":"missing.safetensors"}}"#, "missing.safetensors: cannot open")
    }

    func testSameKeyInTwoFilesIsRejected() throws {
        let a = try writeCheckpoint("a.safetensors"), b = try writeCheckpoint("b.safetensors")
        XCTAssertThrowsError(try WeightStore(urls: [a, b])) { error in
            let problems = (error as? WeightStoreError)?.problems ?? []
            XCTAssertEqual(problems.count, 8)
            XCTAssertTrue(problems.contains(.duplicateKey(key: "blocks.0.attn1.to_q.bias", files: ["a.safetensors", "b.safetensors"])))
            XCTAssertTrue("\(error)".contains("8 duplicate: "), "\(error)")
        }
    }

    func testKeysWithControlCharactersKeepTheMessageOnOneLine() throws {
        var writer = SafetensorsWriter()
        try writer.add("evil\nkey", shape: [1], values: [1])
        let store = try WeightStore(files: [SafetensorsFile(bytes: writer.serialized(), name: "evil.safetensors")], source: "evil.safetensors")
        XCTAssertThrowsError(try store.finish()) { error in
            XCTAssertEqual("\(error)", #"WeightStoreError: evil.safetensors: checkpoint does not match the model (1 unexpected: evil\nkey (F32 [1] in evil.safetensors)); check that config.json and the weights belong together"#)
            XCTAssertEqual((error as? WeightStoreError)?.report.split(separator: "\n").count, 2)
        }
    }

    func testFolderWithoutWeights() {
        XCTAssertThrowsError(try WeightStore(url: folder)) { error in
            XCTAssertTrue("\(error)".contains("folder holds no weights: expected one of diffusion_pytorch_model.safetensors"), "\(error)")
        }
        XCTAssertThrowsError(try WeightStore(url: folder.appendingPathComponent("none"))) { error in
            XCTAssertTrue("\(error)".hasSuffix("none: no such file or folder"), "\(error)")
        }
    }
}
