import Foundation

/// Finds `Tests/Fixtures/<area>/<name>` from this file's path.
enum Fixtures {
    static func url(_ area: String, _ name: String) -> URL {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.lastPathComponent != "Tests", dir.path != "/" { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("Fixtures").appendingPathComponent(area).appendingPathComponent(name)
    }
}
