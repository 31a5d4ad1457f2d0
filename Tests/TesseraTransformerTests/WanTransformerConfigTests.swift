// Config decoding of `transformer/config.json` (diffusers 0.42.1 key names) and its errors.

import Foundation
import TesseraTransformer
import XCTest

final class WanTransformerConfigTests: XCTestCase {
    func testDecodesDiffusersConfig() throws {
        let json = """
            {"_class_name": "WanTransformer3DModel", "_diffusers_version": "0.42.1",
             "patch_size": [1, 2, 2], "num_attention_heads": 2, "attention_head_dim": 24,
             "in_channels": 16, "out_channels": 16, "text_dim": 384, "freq_dim": 32, "ffn_dim": 96,
             "num_layers": 2, "cross_attn_norm": true, "qk_norm": "rms_norm_across_heads",
             "eps": 1e-06, "image_dim": null, "added_kv_proj_dim": null, "rope_max_seq_len": 1024,
             "pos_embed_seq_len": null}
            """
        let config = try WanTransformerConfig.decode(Data(json.utf8))
        XCTAssertEqual(config.patchSize, [1, 2, 2])
        XCTAssertEqual(config.innerDim, 48)
        XCTAssertEqual(config.textDim, 384)
        XCTAssertEqual(config.resolvedOutChannels, 16)
        XCTAssertEqual(config.eps, 1e-6)
        XCTAssertTrue(config.crossAttnNorm)
    }

    func testNullOutChannelsMeansInChannels() throws {
        let config = try WanTransformerConfig.decode(Data(#"{"in_channels": 4, "out_channels": null}"#.utf8))
        XCTAssertEqual(config.resolvedOutChannels, 4)
    }

    func testRejectsImageConditioning() {
        XCTAssertThrowsError(try WanTransformerConfig.decode(Data(#"{"image_dim": 1280}"#.utf8))) { error in
            XCTAssertEqual(error as? WanTransformerConfigError,
                           .unsupported(key: "image_dim", value: "1280", hint: "image conditioning (Wan I2V) is not implemented; use a text-to-video checkpoint (image_dim null)"))
            XCTAssertTrue("\(error)".contains("image_dim"))
        }
        XCTAssertThrowsError(try WanTransformerConfig.decode(Data(#"{"added_kv_proj_dim": 5120}"#.utf8))) { error in
            XCTAssertTrue("\(error)".contains("added_kv_proj_dim"), "\(error)")
        }
    }

    func testRejectsBadSizesAndTypes() {
        XCTAssertThrowsError(try WanTransformerConfig.decode(Data(#"{"patch_size": [2, 2]}"#.utf8))) { error in
            XCTAssertTrue("\(error)".contains("patch_size"), "\(error)")
        }
        XCTAssertThrowsError(try WanTransformerConfig.decode(Data(#"{"num_layers": 0}"#.utf8))) { error in
            XCTAssertTrue("\(error)".contains("num_layers"), "\(error)")
        }
        XCTAssertThrowsError(try WanTransformerConfig.decode(Data(#"{"num_layers": "two"}"#.utf8))) { error in
            XCTAssertTrue("\(error)".contains("num_layers"), "\(error)")
        }
        XCTAssertThrowsError(try WanTransformerConfig.decode(Data(#"{"attention_head_dim": 4}"#.utf8))) { error in
            XCTAssertTrue("\(error)".contains("attention_head_dim"), "\(error)")
        }
        XCTAssertThrowsError(try WanTransformerConfig.decode(Data("not json".utf8))) { error in
            XCTAssertTrue("\(error)".contains("config.json"), "\(error)")
        }
    }

    func testMissingFileNamesPath() {
        let url = URL(fileURLWithPath: "/nonexistent/transformer/config.json")
        XCTAssertThrowsError(try WanTransformerConfig.load(from: url)) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/transformer/config.json"), "\(error)")
        }
    }
}
