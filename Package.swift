// swift-tools-version:5.10
//
// Tessera: text-to-video in Swift. The target list mirrors the pipeline:
//
//   C shims          COpenBLAS (BLAS loaded at run time with the right core type),
//                    CPNGShim (libpng), CFFmpegShim (libavcodec/libavformat/libswscale)
//   kernels          TesseraTensor
//   weights          TesseraWeights (safetensors, strict weight store)
//   prompt encoder   TesseraText (BERT WordPiece + MiniLM)
//   models           TesseraTransformer (Wan DiT), TesseraAutoencoder (Wan causal VAE)
//   sampling         TesseraSampling (schedulers, seeded noise)
//   media            TesseraMedia (video/PNG I/O, contact sheets, metadata)
//   pipeline         TesseraPipeline (model folder, text-to-video)
//   command line     tessera (one file per subcommand), tessera-bench (benchmarks)
//
// Dependencies point one way: kernels <- weights <- models <- pipeline <- CLI.

import PackageDescription

// Hot loops (kernels, models) drop overflow and bounds checks in release builds; inputs are
// validated where they enter (weights loader, config decoding), never inside a kernel.
let kernels: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "Tessera",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tessera", targets: ["tessera"]),
        .executable(name: "tessera-bench", targets: ["tessera-bench"]),
        .library(name: "TesseraPipeline", targets: ["TesseraPipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        // MARK: - C shims (nothing else knows C)
        .target(name: "COpenBLAS", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CPNGShim", linkerSettings: [.linkedLibrary("png16")]),
        .target(
            name: "CFFmpegShim",
            cSettings: [.unsafeFlags(["-Wno-deprecated-declarations"])],
            linkerSettings: [
                .linkedLibrary("avformat"), .linkedLibrary("avcodec"),
                .linkedLibrary("swscale"), .linkedLibrary("avutil"),
            ]),

        // MARK: - Engine
        .target(name: "TesseraTensor", dependencies: ["COpenBLAS"], swiftSettings: kernels),
        .target(name: "TesseraWeights", dependencies: ["TesseraTensor"]),
        .target(name: "TesseraText", dependencies: ["TesseraTensor", "TesseraWeights"], swiftSettings: kernels),

        // MARK: - Models and sampling
        .target(name: "TesseraTransformer", dependencies: ["TesseraTensor", "TesseraWeights"], swiftSettings: kernels),
        .target(name: "TesseraAutoencoder", dependencies: ["TesseraTensor", "TesseraWeights"], swiftSettings: kernels),
        .target(name: "TesseraSampling", dependencies: ["TesseraTensor"], swiftSettings: kernels),

        // MARK: - Media
        .target(
            name: "TesseraMedia",
            dependencies: ["CPNGShim", "CFFmpegShim", .product(name: "Logging", package: "swift-log")],
            swiftSettings: kernels),

        // MARK: - Pipeline (model folder, text-to-video)
        .target(
            name: "TesseraPipeline",
            dependencies: [
                "TesseraTensor", "TesseraWeights", "TesseraText", "TesseraTransformer",
                "TesseraAutoencoder", "TesseraSampling", "TesseraMedia",
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: - Batch jobs (job files, resume, sharding, manifests, gallery)
        .target(
            name: "TesseraJobs",
            dependencies: ["TesseraTensor", "TesseraMedia", "TesseraPipeline", "TesseraSampling", .product(name: "Yams", package: "Yams")]),

        // MARK: - Command line
        .executableTarget(
            name: "tessera",
            dependencies: [
                "TesseraTensor", "TesseraWeights", "TesseraText", "TesseraMedia", "TesseraPipeline", "TesseraJobs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "tessera-bench",
            dependencies: [
                "TesseraTensor", "TesseraWeights", "TesseraText", "TesseraMedia", "TesseraPipeline",
                "TesseraAutoencoder",
                "TesseraTransformer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: - Fuzzing (libFuzzer over the safetensors header parser; a plain build makes
        // a replay tool, see Fuzz/README.md)
        .executableTarget(name: "SafetensorsFuzzer", dependencies: ["TesseraWeights"], path: "Fuzz/SafetensorsFuzzer"),

        // MARK: - Tests (one target per module, plus end-to-end tests of the built binary)
        .target(name: "TesseraTestSupport", path: "Tests/TesseraTestSupport"),
        .testTarget(name: "TesseraTensorTests", dependencies: ["TesseraTensor", "TesseraTestSupport"]),
        .testTarget(name: "TesseraWeightsTests", dependencies: ["TesseraWeights"]),
        .testTarget(name: "TesseraTextTests", dependencies: ["TesseraText", "TesseraWeights", "TesseraTensor"]),
        .testTarget(name: "TesseraTransformerTests", dependencies: ["TesseraTransformer", "TesseraWeights"]),
        .testTarget(name: "TesseraAutoencoderTests", dependencies: ["TesseraAutoencoder", "TesseraWeights"]),
        .testTarget(name: "TesseraSamplingTests", dependencies: ["TesseraSampling"]),
        .testTarget(name: "TesseraPipelineTests", dependencies: ["TesseraPipeline", "TesseraTestSupport"]),
        .testTarget(name: "TesseraMediaTests", dependencies: ["TesseraMedia", "TesseraTestSupport"]),
        .testTarget(name: "TesseraCLITests", dependencies: ["TesseraMedia", "TesseraTestSupport"]),
        .testTarget(name: "TesseraJobsTests", dependencies: ["TesseraJobs", "TesseraMedia", "TesseraPipeline"]),
    ]
)
