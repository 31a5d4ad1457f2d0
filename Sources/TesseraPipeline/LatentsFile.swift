// `generate --save-latents`: the final latents of a clip as safetensors, for inspection,
// re-decoding, or as `--noise` input to another run (NoiseFile reads the name `latents`).
// `inspect OUTDIR --latents` reads them back and draws their principal components (LatentPCA).

import Foundation
import TesseraMedia
import TesseraTensor
import TesseraWeights

/// A clip's final latents, (1, z, F', H/8, W/8) in the normalised latent space.
public enum LatentsFile {
    /// File name inside an output folder.
    public static let fileName = "latents.safetensors"
    /// `format` value in the file's metadata.
    public static let format = "tessera-latents/1"

    /// Writes `latents` as the tensor `latents` (F32) with `metadata`, atomically.
    public static func write(_ latents: Tensor, to url: URL, metadata: [String: String] = [:]) throws {
        var writer = SafetensorsWriter(metadata: metadata.merging(["format": format]) { _, new in new })
        try writer.add("latents", latents)
        try writer.write(to: url)
    }

    /// Reads the latents of one clip from `url` (a file, or an output folder holding
    /// `latents.safetensors`): the tensor `latents`, (1, z, F', h, w) or (z, F', h, w), any
    /// float dtype, finite. Returned as (z, F', h, w), with the file's metadata.
    public static func load(_ url: URL) throws -> (latents: Tensor, metadata: [String: String], file: URL) {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        let fileURL = exists && isDirectory.boolValue ? url.appendingPathComponent(fileName) : url
        guard FileManager.default.fileExists(atPath: fileURL.path) else {
            throw PipelineError.invalidModelFile(
                path: fileURL.path, reason: "no such file; generate the clip with `tessera generate --save-latents`")
        }
        func invalid(_ reason: String) -> PipelineError { .invalidModelFile(path: fileURL.path, reason: reason) }
        let file: SafetensorsFile
        do { file = try SafetensorsFile(url: fileURL) } catch { throw invalid("not a safetensors file (\(error))") }
        guard let entry = file.entry("latents") else {
            throw invalid("no tensor named 'latents' (it holds \(file.names.sorted().joined(separator: ", ")))")
        }
        var shape = entry.shape
        if shape.count == 5, shape[0] == 1 { shape.removeFirst() }
        guard shape.count == 4, shape.allSatisfy({ $0 > 0 }) else {
            throw invalid("tensor 'latents' has shape \(entry.shape); expected one clip, (1, z, frames, height, width)")
        }
        guard entry.dtype.isConvertibleToFloat else {
            throw invalid("tensor 'latents' is \(entry.dtype.rawValue); expected F32, F16 or BF16")
        }
        let values: [Float]
        do { values = try file.floats("latents") } catch { throw invalid("\(error)") }
        guard values.allSatisfy(\.isFinite) else { throw invalid("tensor 'latents' holds NaN or infinite values") }
        return (Tensor(shape: shape, data: values), file.metadata, fileURL)
    }

    // MARK: - Pictures

    /// The latents of one clip drawn as pictures (see `principalComponents(of:...)`).
    public struct Picture: Sendable {
        /// The sheet: one cell per latent frame, labelled with its index.
        public var image: RGBImage
        /// The latents' shape, (z, F', h, w).
        public var shape: [Int]
        /// The analysis the colours come from.
        public var analysis: LatentPCA
    }

    /// The first three principal components of `latents` ((z, F', h, w)) over channels as
    /// red, green and blue, one cell per latent frame, `columns` to a row, each latent pixel
    /// a square block: cells `cellWidth` wide (nil: the latent width times the smallest
    /// whole factor that reaches 128 pixels).
    public static func principalComponents(of latents: Tensor, columns: Int, cellWidth: Int? = nil) -> Picture {
        precondition(latents.rank == 4 && columns > 0)
        let (channels, frameCount, width) = (latents.dim(0), latents.dim(1), latents.dim(3))
        let analysis = LatentPCA(values: latents.data, channels: channels)
        let cell = cellWidth ?? width * max(1, (128 + width - 1) / width)
        let frames = analysis.frames(of: latents.data, shape: latents.shape, width: cell)
        let image = ContactSheet.render(frames, columns: columns, cellWidth: cell, labels: (0..<frameCount).map(String.init))
        return Picture(image: image, shape: latents.shape, analysis: analysis)
    }
}
