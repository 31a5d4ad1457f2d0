// `tessera-bench encode`: frames per second through TesseraMedia's encoders (H.264/MP4,
// VP9/WebM, GIF) and decoder, at 128x128 and 512x512, beside the ffmpeg command-line tool
// encoding the same raw frames with the same settings (so the shim's overhead shows).

import ArgumentParser
import Foundation
import TesseraMedia

struct EncodeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode/decode frames per second: MP4, WebM, GIF at 128x128 and 512x512, vs the ffmpeg tool.",
        discussion: """
            Each figure is the median of --repeats runs over a --frames-frame moving-gradient clip \
            (what a generated clip looks like to an encoder: smooth, everything moving).

            Example:
              tessera-bench encode --frames 33 --repeats 3
            """)

    @Option(help: "Frames per clip.")
    var frames: Int = 33

    @Option(help: "Runs per measurement (the median is reported).")
    var repeats: Int = 3

    @Option(help: "Frame sizes, comma-separated (square).")
    var sizes: String = "128,512"

    @Option(help: "Encoder threads (0: FFmpeg's choice, which uses every core).")
    var threads: Int = 0

    func run() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-bench-encode-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let hasFFmpeg = (try? Self.runTool("ffmpeg", ["-version"])) != nil
        var rows: [[String]] = []
        for size in sizes.split(separator: ",").compactMap({ Int($0) }) {
            let clip = Self.movingGradient(size: size, frames: frames)
            for format in VideoFormat.allCases {
                let url = dir.appendingPathComponent("clip-\(size).\(format.rawValue)")
                let cpuStart = Self.cpuSeconds()
                let seconds = try (0..<repeats).map { _ in
                    try BenchSupport.time {
                        let writer = try VideoWriter(url: url, width: size, height: size, fps: 16, format: format,
                                                     preset: "medium", threads: threads)
                        for frame in clip { try writer.append(frame) }
                        try writer.finish()
                    }
                }
                let cpuPerFrame = (Self.cpuSeconds() - cpuStart) / Double(repeats * frames)
                let bytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
                let decode = try (0..<repeats).map { _ in try BenchSupport.time { _ = try VideoReader.read(url) } }
                var ffmpegFPS = "-"
                if hasFFmpeg {
                    let raw = dir.appendingPathComponent("clip-\(size).rgb")
                    if !FileManager.default.fileExists(atPath: raw.path) {
                        try Data(clip.flatMap(\.pixels)).write(to: raw)
                    }
                    let out = dir.appendingPathComponent("ffmpeg-\(size).\(format.rawValue)")
                    let settings: [String]
                    switch format {
                    case .mp4: settings = ["-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p",
                                           "-movflags", "+faststart"]
                    case .webm: settings = ["-c:v", "libvpx-vp9", "-crf", "24", "-b:v", "0", "-deadline", "good",
                                            "-cpu-used", "4", "-row-mt", "1", "-pix_fmt", "yuv420p"]
                    case .gif: settings = ["-vf", "split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=floyd_steinberg"]
                    }
                    let t = try (0..<repeats).map { _ in
                        try BenchSupport.time {
                            try Self.runTool("ffmpeg", ["-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
                                                            "-s", "\(size)x\(size)", "-r", "16", "-i", raw.path,
                                                            "-threads", "\(threads)"] + settings + [out.path])
                        }
                    }
                    ffmpegFPS = BenchSupport.format(Double(frames) / BenchSupport.median(t))
                }
                rows.append(["\(size)x\(size)", format.rawValue,
                             BenchSupport.format(Double(frames) / BenchSupport.median(seconds)),
                             BenchSupport.format(cpuPerFrame * 1000, 2), ffmpegFPS,
                             BenchSupport.format(Double(frames) / BenchSupport.median(decode)),
                             BenchSupport.format(Double(bytes) / 1024, 1)])
            }
        }
        print("encode: \(frames) frames, moving gradient, 16 fps; median of \(repeats); threads \(threads == 0 ? "auto" : "\(threads)")")
        print("ffmpeg fps = the ffmpeg tool (process start included) encoding the same raw RGB frames with the same settings")
        print("CPU ms/frame = user + system time of this process (all encoder threads) per encoded frame")
        print(BenchSupport.table(["size", "format", "encode fps", "CPU ms/frame", "ffmpeg fps", "decode fps", "KiB"], rows))
    }

    /// Smooth hues drifting across the frame, every frame different.
    static func movingGradient(size: Int, frames: Int) -> [RGBImage] {
        (0..<frames).map { t in
            var pixels = [UInt8](repeating: 0, count: size * size * 3)
            let phase = Double(t) / Double(frames)
            for y in 0..<size {
                let v = Double(y) / Double(size)
                let g = UInt8(128 + 100 * cos(2 * .pi * (v - phase)))
                for x in 0..<size {
                    let u = Double(x) / Double(size), i = (y * size + x) * 3
                    pixels[i] = UInt8(128 + 100 * sin(2 * .pi * (u + phase)))
                    pixels[i + 1] = g
                    pixels[i + 2] = UInt8(30 + 190 * (u + v) / 2)
                }
            }
            return RGBImage(width: size, height: size, pixels: pixels)
        }
    }

    /// User + system CPU seconds of this process so far, every thread included.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
    }

    /// Runs a tool on PATH, output discarded; throws when it fails.
    static func runTool(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("`\(tool) \(arguments.joined(separator: " "))` exited with status \(process.terminationStatus)")
        }
    }
}
