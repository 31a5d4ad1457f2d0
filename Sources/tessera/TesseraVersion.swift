// The version string `tessera --version` prints.

enum TesseraVersion {
    static let number = "0.1.0"
    static var string: String { "tessera \(number)" }
}
