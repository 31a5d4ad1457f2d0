// `tessera diff`: per-frame PSNR and SSIM between two clips, a summary, and a CI gate.

import ArgumentParser
import Foundation
import TesseraMedia

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two clips frame by frame: PSNR and SSIM, with a summary.",
        discussion: """
            A and B are videos, folders of PNG frames or `generate` output folders, of the same \
            size and frame count. PSNR is over R, G and B together (0-255), "inf" for identical \
            frames; the summary's mean PSNR is that of the clip's mean squared error. SSIM is \
            Wang et al. (2004) on luma (BT.601): 11x11 Gaussian window, sigma 1.5, K1 0.01, \
            K2 0.03, mean over the valid region. --min-psnr X exits with status 1 when any \
            frame's PSNR is below X dB (a regression gate for CI). --json prints one object with \
            "frames" and "summary" (an infinite PSNR is written as null).

            Examples:
              tessera diff outputs/run1/clip.mp4 outputs/run2/clip.mp4
              tessera diff outputs/run1 outputs/run2 --json --min-psnr 40
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The reference clip: video, PNG folder or `generate` output folder.")
    var a: String

    @Argument(help: "The clip compared with it.")
    var b: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(name: .customLong("min-psnr"), help: "Exit with status 1 if any frame's PSNR is below this (dB).")
    var minPSNR: Double?

    func run() throws {
        try global.apply()
        let comparison = try FrameDiff.compare(URL(fileURLWithPath: a), URL(fileURLWithPath: b))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(comparison), as: UTF8.self))
        } else {
            print(comparison.textReport)
        }
        if let minPSNR, comparison.minPSNR < minPSNR {
            let worst = comparison.frames.min { $0.psnr < $1.psnr }!
            FileHandle.standardError.write(Data(String(
                format: "error: PSNR %.2f dB at frame %d is below --min-psnr %g dB\n", worst.psnr, worst.index, minPSNR).utf8))
            throw ExitCode(1)
        }
    }
}
