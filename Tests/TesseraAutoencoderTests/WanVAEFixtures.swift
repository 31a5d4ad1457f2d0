// Where the Wan VAE parity fixtures live: Tests/Fixtures/wan_vae/, written by
//     python3 scripts/fixtures/wan_vae.py

import Foundation

enum WanVAEFixtures {
    /// Tests/Fixtures/wan_vae, found by walking up from this file to `Tests/`.
    static var directory: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" && url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent("Fixtures/wan_vae")
    }
}
